// Merchant names and intent matching (SPEC §4 "Intents and credential access", Matching): the canonical name a card
// network's descriptor and a person's merchantText normalize to, when two names are the same merchant, when an
// amount is close enough, which revealed intent an authorization answers, and an MCC's category. Pure.
// The rules, the prefix lists and the alias table are documented in docs/merchants.md; keep the two in step.

/** The share of the declared amount an authorization may differ by and still match (SPEC §4: 10 %). */
export const defaultMatchTolerance = 0.1;

/** Only this much of a descriptor is read (networks send 22–25 characters; merchantText is at most 200). */
export const descriptorLengthMax = 512;
/** A normalized name is cut to whole words within this many characters. */
export const normalizedNameLengthMax = 200;
/** Normalizing is repeated until it changes nothing, at most this often (two passes in practice). */
const normalizePassesMax = 16;

/**
 * Payment processors and facilitators that put their own prefix in front of the seller's name, followed by `*`.
 * The name after the prefix is the merchant: `SQ *BLUE BOTTLE COFFEE` → blue bottle coffee.
 */
export const processorPrefixes: readonly string[] = [
  'sq', 'sqr', // Square
  'tst', 'toast', // Toast
  'paypal', 'pp', // PayPal
  'sp', // Shopify Payments (also without `*`, see leadingNoiseWords)
  'in', // Intuit QuickBooks Payments
  'fs', // FastSpring
  '2co', // 2Checkout
  'paddle', 'paddle.net', // Paddle
  'bt', // Braintree
  'wpy', // WePay
  'iz', 'izettle', 'zettle', // Zettle
  'sumup', // SumUp
];

/** Words dropped from the front of a name that has more words: an article, and Shopify's prefix without `*`. */
const leadingNoiseWords: ReadonlySet<string> = new Set(['the', 'sp']);

/** Legal-form words dropped from the end of a name (repeatedly, never the last word left). */
export const legalSuffixes: readonly string[] = [
  'inc', 'incorporated', 'llc', 'llp', 'lp', 'ltd', 'limited', 'corp', 'corporation', 'co', 'company',
  'pbc', 'gmbh', 'ag', 'sa', 'sas', 'sarl', 'srl', 'plc', 'pty', 'bv', 'nv', 'ab', 'oy', 'kk', 'pte', 'pvt', 'lda',
];
const legalSuffixSet: ReadonlySet<string> = new Set(legalSuffixes);

/** Words that label a store or reference number and go with it: `STARBUCKS STORE 12345` → starbucks. */
const referenceLabelWords: ReadonlySet<string> = new Set(['store', 'str', 'no', 'nbr', 'num', 'number', 'unit', 'loc', 'location', 'id', 'ref']);

/** Top-level domains recognized in web addresses, multi-label ones first (the regular expression takes the first). */
const topLevelDomains: readonly string[] = [
  'co.uk', 'org.uk', 'com.au', 'co.jp', 'co.nz', 'co.in',
  'com', 'net', 'org', 'io', 'ai', 'co', 'app', 'dev', 'tv', 'me', 'us', 'uk', 'ca', 'de', 'fr', 'eu', 'biz', 'info', 'shop', 'store', 'gg', 'xyz',
];

/**
 * Known descriptors → canonical names. A name matches an entry when, with spaces removed, it equals one of `names`,
 * or its first words (one to four, spaces removed) equal one of `leading`. Names are written as the normalizer
 * produces them (lower case, no punctuation); canonical names are single words, so they normalize to themselves.
 */
export interface MerchantAlias {
  canonical: string;
  names: readonly string[];
  leading: readonly string[];
}

export const merchantAliases: readonly MerchantAlias[] = [
  {
    canonical: 'amazon',
    names: ['amazon', 'amzn', 'amazon com', 'amazon mktp', 'amazon mktplace', 'amazon marketplace', 'amzn mktp', 'amzn mktp us', 'amazon prime', 'prime video', 'amazon prime video', 'amzn digital', 'amazon digital', 'aws', 'amazon web services'],
    leading: ['amazon', 'amzn', 'prime video', 'aws'],
  },
  {
    canonical: 'walmart',
    names: ['walmart', 'wal mart', 'walmart com', 'wm supercenter', 'walmart supercenter', 'wal mart supercenter', 'wm superc', 'walmart grocery'],
    leading: ['walmart', 'wm supercenter', 'wm superc'],
  },
  {
    canonical: 'apple',
    names: ['apple', 'apl', 'apl itunes', 'apple com', 'apple com bill', 'apple bill', 'itunes', 'itunes com', 'itunes com bill', 'apple store', 'apple online store', 'app store', 'apple music', 'apple services', 'apple tv plus', 'icloud'],
    leading: ['apl', 'itunes', 'apple com'],
  },
  {
    canonical: 'google',
    names: ['google', 'goog', 'google play', 'google services', 'google cloud', 'google one', 'google storage', 'google workspace', 'gsuite', 'youtube', 'youtube premium', 'youtube tv'],
    leading: ['google', 'goog', 'youtube'],
  },
  {
    canonical: 'uber',
    names: ['uber', 'uber trip', 'uber trips', 'uber eats', 'ubereats', 'uber rides'],
    leading: ['uber', 'ubereats'],
  },
  {
    canonical: 'microsoft',
    names: ['microsoft', 'msft', 'microsoft store', 'microsoft 365', 'office 365', 'xbox', 'xbox live'],
    leading: ['microsoft', 'msft', 'xbox'],
  },
  { canonical: 'bestbuy', names: ['bestbuy', 'best buy', 'best buy mobile', 'bestbuy com'], leading: ['bestbuy'] },
  { canonical: 'starbucks', names: ['starbucks', 'starbucks coffee', 'sbux'], leading: ['starbucks'] },
  { canonical: 'target', names: ['target', 'target com', 'target store', 'target stores'], leading: [] },
  { canonical: 'netflix', names: ['netflix', 'netflix com'], leading: ['netflix'] },
  { canonical: 'spotify', names: ['spotify', 'spotify usa', 'spotify premium'], leading: ['spotify'] },
  {
    canonical: 'steam',
    names: ['steam', 'steamgames', 'steam games', 'steampowered', 'steam powered', 'steam purchase', 'steam store', 'valve', 'valve software'],
    leading: ['steamgames', 'steampowered'],
  },
  { canonical: 'openai', names: ['openai', 'open ai', 'chatgpt', 'chat gpt', 'openai chatgpt', 'chatgpt subscription', 'chatgpt plus'], leading: ['openai', 'chatgpt'] },
  { canonical: 'anthropic', names: ['anthropic', 'claude', 'claude ai', 'anthropic claude'], leading: ['anthropic'] },
  { canonical: 'ebay', names: ['ebay', 'ebay com'], leading: ['ebay'] },
  { canonical: 'etsy', names: ['etsy', 'etsy com'], leading: ['etsy'] },
  { canonical: 'doordash', names: ['doordash', 'door dash', 'dd doordash'], leading: ['doordash'] },
  { canonical: 'lyft', names: ['lyft', 'lyft ride', 'lyft rides'], leading: ['lyft'] },
  { canonical: 'airbnb', names: ['airbnb', 'airbnb com'], leading: ['airbnb'] },
  { canonical: 'instacart', names: ['instacart'], leading: ['instacart'] },
  { canonical: 'costco', names: ['costco', 'costco whse', 'costco wholesale', 'costco gas'], leading: ['costco'] },
  { canonical: 'homedepot', names: ['home depot', 'homedepot', 'home depot com'], leading: ['home depot'] },
  { canonical: 'wholefoods', names: ['whole foods', 'whole foods market', 'wholefds', 'wholefds mkt', 'wfm'], leading: ['wholefds', 'whole foods'] },
  { canonical: 'github', names: ['github', 'github com'], leading: ['github'] },
  { canonical: 'adobe', names: ['adobe', 'adobe systems', 'adobe creative cloud'], leading: ['adobe'] },
  { canonical: 'dropbox', names: ['dropbox'], leading: ['dropbox'] },
  { canonical: 'zoom', names: ['zoom', 'zoom us', 'zoom video', 'zoom video communications', 'zoom com'], leading: ['zoom video'] },
  { canonical: 'hulu', names: ['hulu'], leading: ['hulu'] },
  { canonical: 'disneyplus', names: ['disney plus', 'disneyplus'], leading: ['disneyplus', 'disney plus'] },
  { canonical: 'shopify', names: ['shopify'], leading: ['shopify'] },
  { canonical: 'squarespace', names: ['squarespace', 'sqsp'], leading: ['squarespace', 'sqsp'] },
  { canonical: 'mcdonalds', names: ['mcdonalds', 'mcdonald s', 'mc donalds'], leading: ['mcdonalds'] },
  { canonical: '7eleven', names: ['7eleven', '7 eleven', 'seven eleven'], leading: ['7eleven', 'seven eleven'] },
  { canonical: 'walgreens', names: ['walgreens'], leading: ['walgreens'] },
  { canonical: 'cvs', names: ['cvs', 'cvs pharmacy', 'cvspharmacy'], leading: ['cvs'] },
  { canonical: 'ikea', names: ['ikea'], leading: ['ikea'] },
];

const compact = (text: string): string => text.replaceAll(' ', '');
const leadingAliasWordsMax = 4;

function buildAliasIndex(select: (alias: MerchantAlias) => readonly string[]): ReadonlyMap<string, string> {
  const index = new Map<string, string>();
  for (const alias of merchantAliases) {
    for (const name of select(alias)) index.set(compact(name), alias.canonical);
  }
  return index;
}
const aliasByName = buildAliasIndex((alias) => alias.names);
const aliasByLeadingWords = buildAliasIndex((alias) => alias.leading);

const processorPrefixPattern = new RegExp(`^\\s*(?:${processorPrefixes.map(escapeRegExp).join('|')})\\s*\\*\\s*`, 'u');
// A host name (optionally with scheme, subdomains and a path): group 1 is the label before the top-level domain.
// The subdomain part is lazy so `amazon.co.uk` yields `amazon`, not `co`.
const webAddressPattern = new RegExp(
  `(?:https?://)?(?<![\\p{L}\\p{N}-])(?:[\\p{L}\\p{N}-]+\\.)*?([\\p{L}\\p{N}-]+)\\.(?:${topLevelDomains.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}])(?:/\\S*)?`,
  'u',
);
const wordCharacterPattern = /[\p{L}\p{N}]/u;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The canonical lower-case key for a merchant, from a network descriptor (`AMZN Mktp US*2K4TY7`) or a person's
 * merchantText (`Amazon.com`): both give `amazon`. Never throws; the result is trimmed, lower case, words of letters
 * and digits separated by single spaces, possibly empty; normalizing it again gives it back.
 */
export function normalizeMerchantName(descriptor: string): string {
  if (typeof descriptor !== 'string') return '';
  const known = normalizedNames.get(descriptor);
  if (known !== undefined) return known;
  const name = normalizeUncached(descriptor);
  // Descriptors repeat (a merchant sends the same one every time): the last few thousand are remembered.
  if (normalizedNames.size >= normalizedNamesMax) normalizedNames.delete(normalizedNames.keys().next().value as string);
  normalizedNames.set(descriptor, name);
  return name;
}

const normalizedNames = new Map<string, string>();
const normalizedNamesMax = 4_096;

function normalizeUncached(descriptor: string): string {
  // Repeat to a fixed point: a pass can expose what an earlier step would have removed (`the sp foo`), and the
  // fixed point is what makes the function idempotent. Every pass that changes a name shortens it or ends on an alias.
  let name = normalizeOnce(descriptor.slice(0, descriptorLengthMax));
  for (let pass = 1; pass < normalizePassesMax; pass += 1) {
    const again = normalizeOnce(name);
    if (again === name) break;
    name = again;
  }
  return name;
}

function normalizeOnce(descriptor: string): string {
  // Lower case, compatibility forms (full-width, ligatures) unfolded, accents dropped: `Café` → cafe.
  let text = descriptor.toLowerCase().normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
  text = stripProcessorPrefixes(text);
  text = cutAtReferenceSeparator(text);
  text = replaceWebAddress(text);
  const words = canonicalWords(nameWords(text));
  return limitLength(words.join(' ').normalize('NFC'));
}

function stripProcessorPrefixes(text: string): string {
  for (let stripped = 0; stripped < 4; stripped += 1) {
    const match = processorPrefixPattern.exec(text);
    if (match === null) break;
    const rest = text.slice(match[0].length);
    if (!wordCharacterPattern.test(rest)) break; // `SQ *` alone: the prefix is all there is
    text = rest;
  }
  return text;
}

/** `AMZN Mktp US*2K4TY7` → `amzn mktp us`, `WAL-MART #1234` → `wal-mart`: what follows `*` or `#` is a reference. */
function cutAtReferenceSeparator(text: string): string {
  for (let index = text.search(/[*#]/u); index >= 0; index = text.search(/[*#]/u)) {
    const before = text.slice(0, index);
    text = wordCharacterPattern.test(before) ? before : text.slice(index + 1);
  }
  return text;
}

/** `help.uber.com` → uber, `apple.com/bill` → apple; whatever follows the address (phone, city) is dropped. */
function replaceWebAddress(text: string): string {
  const match = webAddressPattern.exec(text);
  if (match === null) return text;
  return `${text.slice(0, match.index)} ${match[1] ?? ''}`;
}

/** Apostrophes, dots, hyphens and `&` join (`Joe's` → joes, `WAL-MART` → walmart); `+` reads "plus"; the rest splits. */
function nameWords(text: string): string[] {
  const joined = text.replace(/['`.\-&\u2018\u2019\u02bc\u2010\u2011]/gu, '').replaceAll('+', ' plus ');
  let spaced = '';
  for (const character of joined) {
    spaced += wordCharacterPattern.test(character) && character.toLowerCase() === character ? character : ' ';
  }
  return spaced.split(' ').filter((word) => word !== '');
}

/** Leading noise, then a reference and what follows it, then legal suffixes go; the alias table is asked after each. */
function canonicalWords(words: readonly string[]): string[] {
  let start = 0;
  while (words.length - start > 1 && leadingNoiseWords.has(words[start]!)) start += 1;
  let result = words.slice(start);
  // Asked before the cut too, so an alias with a number in it (`office 365`) is found.
  let canonical = aliasFor(result);
  if (canonical !== undefined) return [canonical];

  const referenceIndex = result.findIndex((word, index) => index > 0 && isReferenceWord(word));
  if (referenceIndex > 0) {
    let end = referenceIndex;
    while (end > 1 && referenceLabelWords.has(result[end - 1]!)) end -= 1;
    result = result.slice(0, end);
    canonical = aliasFor(result);
    if (canonical !== undefined) return [canonical];
  }

  let end = result.length;
  while (end > 1 && legalSuffixSet.has(result[end - 1]!)) end -= 1;
  result = result.slice(0, end);
  canonical = aliasFor(result);
  return canonical === undefined ? result : [canonical];
}

/** Store numbers, phone numbers and reference codes: 3+ digits, or 4+ characters mixing 2+ digits with letters. */
function isReferenceWord(word: string): boolean {
  if (/^\p{Nd}+$/u.test(word)) return word.length >= 3;
  if (/^\p{Nd}+(?:st|nd|rd|th)$/u.test(word)) return false; // 42nd street
  const digitCount = word.match(/\p{Nd}/gu)?.length ?? 0;
  return digitCount >= 2 && /\p{L}/u.test(word) && [...word].length >= 4;
}

function aliasFor(words: readonly string[]): string | undefined {
  const byName = aliasByName.get(words.join(''));
  if (byName !== undefined) return byName;
  let leading = '';
  for (let index = 0; index < words.length && index < leadingAliasWordsMax; index += 1) {
    leading += words[index]!;
    const byLeading = aliasByLeadingWords.get(leading);
    if (byLeading !== undefined) return byLeading;
  }
  return undefined;
}

function limitLength(name: string): string {
  if (name.length <= normalizedNameLengthMax) return name;
  const cut = name.slice(0, normalizedNameLengthMax + 1);
  const lastSpace = cut.lastIndexOf(' ');
  return (lastSpace > 0 ? cut.slice(0, lastSpace) : cut.slice(0, normalizedNameLengthMax)).trim();
}

/** Words too common to identify a merchant on their own: `pizza` does not match `joes pizza`. */
export const genericMerchantWords: readonly string[] = [
  'and', 'of', 'the', 'for', 'us', 'usa', 'www', 'com', 'online', 'web', 'digital', 'app', 'apps',
  'store', 'stores', 'shop', 'shops', 'market', 'mkt', 'mktp', 'mart', 'marketplace', 'supermarket', 'outlet',
  'coffee', 'cafe', 'pizza', 'pizzeria', 'restaurant', 'bar', 'grill', 'kitchen', 'deli', 'bakery', 'food', 'foods',
  'service', 'services', 'payment', 'payments', 'bill', 'billing', 'subscription', 'purchase', 'order',
  'group', 'international', 'global', 'holdings', 'center', 'centre',
];
const genericMerchantWordSet: ReadonlySet<string> = new Set(genericMerchantWords);

function isDistinctiveWord(word: string): boolean {
  return [...word].length >= 2 && /\p{L}/u.test(word) && !genericMerchantWordSet.has(word);
}

/**
 * Whether a network descriptor names the merchant a person declared. Both are normalized; they match when neither
 * is empty and either (1) they are equal once spaces are removed, or (2) every word of the one with fewer words is a
 * whole word of the other and at least one of those words is distinctive (2+ characters, a letter, not generic).
 * `blue bottle coffee` matches `blue bottle`; `amazon` does not match `amazonia pets`.
 */
export function merchantsMatch(descriptor: string, merchantText: string): boolean {
  return normalizedNamesMatch(normalizeMerchantName(descriptor), normalizeMerchantName(merchantText));
}

function normalizedNamesMatch(first: string, second: string): boolean {
  if (first === '' || second === '') return false;
  if (compact(first) === compact(second)) return true;
  const firstWords = first.split(' ');
  const secondWords = second.split(' ');
  const [fewer, more] = firstWords.length <= secondWords.length ? [firstWords, secondWords] : [secondWords, firstWords];
  const moreWords = new Set(more);
  return fewer.every((word) => moreWords.has(word)) && fewer.some(isDistinctiveWord);
}

const tolerancePartsPerMillion = (tolerance: number): bigint => BigInt(Math.round(tolerance * 1_000_000));

/**
 * Whether an authorized amount is within `tolerance` (a share: 0.10 = 10 %) of the declared amount, boundary
 * included: |actual − declared| ≤ tolerance × declared, computed on integers (the tolerance is taken to the nearest
 * millionth), so 11 000 matches 10 000 at 10 % and 11 001 does not.
 */
export function amountMatches(actualCents: number, declaredCents: number, tolerance: number = defaultMatchTolerance): boolean {
  if (!Number.isSafeInteger(actualCents) || actualCents < 0) throw new RangeError(`actual amount must be a non-negative integer of cents, got ${actualCents}`);
  if (!Number.isSafeInteger(declaredCents) || declaredCents < 0) throw new RangeError(`declared amount must be a non-negative integer of cents, got ${declaredCents}`);
  if (!Number.isFinite(tolerance) || tolerance < 0) throw new RangeError(`tolerance must be a non-negative number, got ${tolerance}`);
  const differenceCents = BigInt(Math.abs(actualCents - declaredCents));
  return differenceCents * 1_000_000n <= tolerancePartsPerMillion(tolerance) * BigInt(declaredCents);
}

/** A revealed intent an authorization may answer. */
export interface IntentCandidate {
  id: string;
  amountCents: number;
  merchantText: string;
  revealedAtMs: number;
  /** The intent's own amount tolerance in parts per million (100 000 = 10 %); absent or null: matchIntent's `tolerance`. */
  tolerancePartsPerMillion?: number | null | undefined;
}

/** How an authorization compared with an intent: the SPEC's matchResult plus the declared side. */
export interface MatchResult {
  amountMatch: boolean;
  merchantMatch: boolean;
  /** Authorized amount, cents. */
  actualAmount: number;
  /** The descriptor's normalized name. */
  actualMerchant: string;
  /** The intent's amount, cents. */
  declaredAmount: number;
  /** The intent's merchantText, normalized: the value actualMerchant was compared with. */
  declaredMerchant: string;
}

export interface IntentMatch {
  intentId: string;
  /** Amount and merchant both match. */
  matched: boolean;
  matchResult: MatchResult;
}

/**
 * Which candidate an authorization answers, and how well (each candidate's amount within its own tolerance, else
 * `tolerance`): the most recently revealed candidate matching both amount
 * and merchant; else the most recently revealed matching the merchant; else the most recently revealed. Ties on
 * `revealedAtMs` go to the earlier candidate in the list. No candidates → undefined (the transaction is unattested).
 */
export function matchIntent(
  candidates: readonly IntentCandidate[],
  actual: { amountCents: number; merchantName: string },
  tolerance: number = defaultMatchTolerance,
): IntentMatch | undefined {
  const actualMerchant = normalizeMerchantName(actual.merchantName);
  const compared = candidates.map((candidate) => {
    const declaredMerchant = normalizeMerchantName(candidate.merchantText);
    return {
      candidate,
      result: {
        amountMatch: amountMatches(actual.amountCents, candidate.amountCents, candidate.tolerancePartsPerMillion == null ? tolerance : candidate.tolerancePartsPerMillion / 1_000_000),
        merchantMatch: normalizedNamesMatch(actualMerchant, declaredMerchant),
        actualAmount: actual.amountCents,
        actualMerchant,
        declaredAmount: candidate.amountCents,
        declaredMerchant,
      } satisfies MatchResult,
    };
  });
  const mostRecent = (pool: typeof compared) =>
    pool.reduce<(typeof compared)[number] | undefined>((best, entry) => (best === undefined || entry.candidate.revealedAtMs > best.candidate.revealedAtMs ? entry : best), undefined);
  const chosen =
    mostRecent(compared.filter((entry) => entry.result.amountMatch && entry.result.merchantMatch)) ??
    mostRecent(compared.filter((entry) => entry.result.merchantMatch)) ??
    mostRecent(compared);
  if (chosen === undefined) return undefined;
  return { intentId: chosen.candidate.id, matched: chosen.result.amountMatch && chosen.result.merchantMatch, matchResult: chosen.result };
}

/** Merchant category codes (ISO 18245) → the category shown on a transaction. Codes not listed have no category. */
export const merchantCategoryByMcc: Readonly<Record<string, string>> = {
  '4111': 'transit',
  '4121': 'rideshare_taxi',
  '4511': 'airlines',
  '4722': 'travel_agencies',
  '4814': 'telecom',
  '4816': 'online_services',
  '4899': 'streaming_tv',
  '5311': 'department_stores',
  '5411': 'grocery',
  '5499': 'specialty_food',
  '5541': 'fuel',
  '5542': 'fuel',
  '5651': 'clothing',
  '5732': 'electronics',
  '5734': 'software',
  '5812': 'restaurants',
  '5814': 'fast_food',
  '5815': 'digital_media',
  '5816': 'digital_games',
  '5817': 'digital_apps',
  '5818': 'digital_goods',
  '5912': 'pharmacy',
  '5942': 'books',
  '5999': 'retail',
  '7011': 'lodging',
  '7372': 'computer_services',
  '7399': 'business_services',
};

/** The category of a merchant category code (surrounding spaces ignored); unknown or absent → undefined. */
export function merchantCategory(mcc: string | undefined): string | undefined {
  if (typeof mcc !== 'string') return undefined;
  const code = mcc.trim();
  return Object.hasOwn(merchantCategoryByMcc, code) ? merchantCategoryByMcc[code] : undefined;
}
