import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  amountMatches,
  defaultMatchTolerance,
  legalSuffixes,
  matchIntent,
  merchantAliases,
  merchantCategory,
  merchantCategoryByMcc,
  merchantsMatch,
  normalizeMerchantName,
  normalizedNameLengthMax,
  processorPrefixes,
  type IntentCandidate,
} from '../../src/domain/merchants.js';

// What card networks send → the canonical name. Descriptors are shaped like real ones (22–25 characters,
// processor prefixes, store numbers, reference codes, phone numbers, web addresses).
const descriptorTable: ReadonlyArray<readonly [string, string]> = [
  ['AMZN Mktp US*2K4TY7', 'amazon'],
  ['AMZN MKTP US*MK1234ABC', 'amazon'],
  ['AMAZON.COM*MK1234', 'amazon'],
  ['Amazon.com, Inc.', 'amazon'],
  ['AMAZON MKTPLACE PMTS', 'amazon'],
  ['Amazon Prime*2X4AB1CD3', 'amazon'],
  ['PRIME VIDEO*2K1AB3CD4', 'amazon'],
  ['AMZN Digital*1A2B3C4D', 'amazon'],
  ['amazon.co.uk', 'amazon'],
  ['AWS EMEA', 'amazon'],
  ['SQ *BLUE BOTTLE COFFEE', 'blue bottle coffee'],
  ['SQ*BLUE BOTTLE COFFEE', 'blue bottle coffee'],
  ['PAYPAL *STEAMGAMES', 'steam'],
  ['STEAMGAMES.COM 4259522985', 'steam'],
  ['STEAMPOWERED.COM', 'steam'],
  ['Valve Corp', 'steam'],
  ['UBER *TRIP HELP.UBER.COM', 'uber'],
  ['UBER TRIP HELP.UBER.COM', 'uber'],
  ['UBER *EATS', 'uber'],
  ['GOOGLE *YouTube', 'google'],
  ['GOOG*GOOGLE STORAGE', 'google'],
  ['Google Play', 'google'],
  ['APPLE.COM/BILL', 'apple'],
  ['APL*ITUNES.COM/BILL', 'apple'],
  ['APL* APPLE ONLINE STORE', 'apple'],
  ['NETFLIX.COM', 'netflix'],
  ['NETFLIX.COM 866-579-7172 CA', 'netflix'],
  ['WAL-MART #1234', 'walmart'],
  ['WM SUPERCENTER #5678', 'walmart'],
  ['WALMART.COM 8009256278', 'walmart'],
  ["TST* Joe's Pizza", 'joes pizza'],
  ['TST*JOES PIZZA NYC', 'joes pizza nyc'],
  ['DOORDASH*BURGERKING', 'doordash'],
  ['Best Buy 00012345', 'bestbuy'],
  ['BESTBUY.COM 807', 'bestbuy'],
  ['STARBUCKS STORE 12345 SEATTLE WA', 'starbucks'],
  ['TARGET 00012345', 'target'],
  ['TARGET.COM *', 'target'],
  ['Target T-1234', 'target'],
  ['MSFT *<E0400ABCD>', 'microsoft'],
  ['Microsoft*Xbox', 'microsoft'],
  ['SPOTIFY P0123ABCD', 'spotify'],
  ['Spotify AB', 'spotify'],
  ['OPENAI *CHATGPT SUBSCR', 'openai'],
  ['OPENAI', 'openai'],
  ['CLAUDE.AI SUBSCRIPTION', 'anthropic'],
  ['ANTHROPIC, PBC', 'anthropic'],
  ['ACME WIDGETS, PBC', 'acme widgets'],
  ['EBAY O*12-34567-89012', 'ebay'],
  ['ETSY.COM - SHOPNAME', 'etsy'],
  ['LYFT *RIDE SUN 6PM', 'lyft'],
  ['AIRBNB * HMABCD1234', 'airbnb'],
  ['INSTACART*SUBSCRIPTION', 'instacart'],
  ['COSTCO WHSE #0001', 'costco'],
  ['THE HOME DEPOT #0123', 'homedepot'],
  ['WHOLEFDS MKT 10234', 'wholefoods'],
  ['GITHUB.COM 1A2B3C', 'github'],
  ['ADOBE *CREATIVE CLOUD', 'adobe'],
  ['DROPBOX*ABCD1234EFGH', 'dropbox'],
  ['ZOOM.US 888-799-9666', 'zoom'],
  ['HULU 877-8244858 CA', 'hulu'],
  ['DISNEY PLUS', 'disneyplus'],
  ['SQSP* INV12345678', 'squarespace'],
  ["MCDONALD'S F12345", 'mcdonalds'],
  ['7-ELEVEN 12345', '7eleven'],
  ['WALGREENS #1234', 'walgreens'],
  ['CVS/PHARMACY #01234', 'cvs'],
  ['IKEA USA', 'ikea'],
  ['SP * GYMSHARK', 'gymshark'],
  ['SP GYMSHARK', 'gymshark'],
  ['PP*NINTENDO', 'nintendo'],
  ['FS *SUBLIMEHQ', 'sublimehq'],
  ['PADDLE.NET* SKETCHAPP', 'sketchapp'],
  ['IN *ACME PLUMBING LLC', 'acme plumbing'],
  ['Blue Bottle Coffee Co.', 'blue bottle coffee'],
  ['Acme, L.L.C.', 'acme'],
  ['ACME HOLDINGS CO LTD', 'acme holdings'],
  ['Müller GmbH', 'muller'],
  ['Café Ñandú', 'cafe nandu'],
  ['ＡＭＡＺＯＮ', 'amazon'],
  ['CHIPOTLE 1234', 'chipotle'],
  ['SHELL OIL 57444392301', 'shell oil'],
  ['24 HOUR FITNESS 0123', '24 hour fitness'],
  ['JOES 42ND ST PIZZA', 'joes 42nd st pizza'],
  ['H&M 0123', 'hm'],
];

// What a person types as merchantText → the same names.
const merchantTextTable: ReadonlyArray<readonly [string, string]> = [
  ['Amazon', 'amazon'],
  ['amazon.com', 'amazon'],
  ['Amazon Marketplace', 'amazon'],
  ['Amazon Prime Video', 'amazon'],
  ['Walmart', 'walmart'],
  ['Wal-Mart', 'walmart'],
  ['walmart.com', 'walmart'],
  ['Apple', 'apple'],
  ['iTunes', 'apple'],
  ['App Store', 'apple'],
  ['YouTube Premium', 'google'],
  ['Uber Eats', 'uber'],
  ['Microsoft', 'microsoft'],
  ['Best Buy', 'bestbuy'],
  ['Starbucks', 'starbucks'],
  ['Target', 'target'],
  ['Netflix', 'netflix'],
  ['Spotify', 'spotify'],
  ['Steam', 'steam'],
  ['ChatGPT', 'openai'],
  ['OpenAI', 'openai'],
  ['The Home Depot', 'homedepot'],
  ['Whole Foods Market', 'wholefoods'],
  ['Disney+', 'disneyplus'],
  ['7-Eleven', '7eleven'],
  ["McDonald's", 'mcdonalds'],
  ['Blue Bottle', 'blue bottle'],
  ["Joe's Pizza", 'joes pizza'],
];

describe('normalizeMerchantName', () => {
  for (const [descriptor, expected] of descriptorTable) {
    it(`${JSON.stringify(descriptor)} → ${expected}`, () => {
      assert.equal(normalizeMerchantName(descriptor), expected);
    });
  }

  it('gives a person\'s merchantText the same name as the network descriptor of that merchant', () => {
    for (const [merchantText, expected] of merchantTextTable) assert.equal(normalizeMerchantName(merchantText), expected, merchantText);
    assert.equal(normalizeMerchantName('Amazon'), normalizeMerchantName('AMZN Mktp US*2K4TY7'));
    assert.equal(normalizeMerchantName('amazon.com'), normalizeMerchantName('AMAZON.COM*MK1234'));
    assert.equal(normalizeMerchantName('Amazon Marketplace'), normalizeMerchantName('Amazon.com, Inc.'));
    assert.equal(normalizeMerchantName('Best Buy'), normalizeMerchantName('Best Buy 00012345'));
    assert.equal(normalizeMerchantName("Joe's Pizza"), normalizeMerchantName("TST* Joe's Pizza"));
  });

  it('keeps words that only look like an alias or a suffix', () => {
    assert.equal(normalizeMerchantName('Amazonia Pets'), 'amazonia pets');
    assert.equal(normalizeMerchantName('Targetted Ads'), 'targetted ads');
    assert.equal(normalizeMerchantName('Apple Valley Dental'), 'apple valley dental');
    assert.equal(normalizeMerchantName('Steam Cleaning Pros'), 'steam cleaning pros');
    assert.equal(normalizeMerchantName('Company'), 'company'); // the last word is never dropped
    assert.equal(normalizeMerchantName('Motel 6'), 'motel 6'); // one or two digits are part of the name
  });

  it('keeps a prefix that has nothing after it, and a reference that has nothing before it', () => {
    assert.equal(normalizeMerchantName('SQ *'), 'sq');
    assert.equal(normalizeMerchantName('*2K4TY7'), '2k4ty7');
    assert.equal(normalizeMerchantName('#1 PIZZA'), '1 pizza');
  });

  it('gives empty for a descriptor without letters or digits', () => {
    for (const descriptor of ['', '   ', '***', '#', '.,;-', '\u0301\u0302']) assert.equal(normalizeMerchantName(descriptor), '', JSON.stringify(descriptor));
  });

  it('normalizes every alias name to its canonical name, and every canonical name to itself', () => {
    for (const alias of merchantAliases) {
      assert.equal(normalizeMerchantName(alias.canonical), alias.canonical);
      for (const name of [...alias.names, ...alias.leading]) assert.equal(normalizeMerchantName(name), alias.canonical, name);
    }
  });

  it('has no descriptor that two aliases claim', () => {
    const owner = new Map<string, string>();
    for (const alias of merchantAliases) {
      for (const name of [...alias.names, ...alias.leading]) {
        const key = name.replaceAll(' ', '');
        assert.ok(owner.get(key) === undefined || owner.get(key) === alias.canonical, `${name}: ${owner.get(key)} and ${alias.canonical}`);
        owner.set(key, alias.canonical);
      }
    }
  });

  it('strips every processor prefix and legal suffix it documents', () => {
    for (const prefix of processorPrefixes) assert.equal(normalizeMerchantName(`${prefix.toUpperCase()} *ACME WIDGETS`), 'acme widgets', prefix);
    for (const suffix of legalSuffixes) assert.equal(normalizeMerchantName(`Acme Widgets ${suffix.toUpperCase()}.`), 'acme widgets', suffix);
  });

  it('cuts long names to whole words', () => {
    const name = normalizeMerchantName('word '.repeat(100));
    assert.ok(name.length <= normalizedNameLengthMax);
    assert.ok(name.split(' ').every((word) => word === 'word'));
  });

  // Strings built from the pieces the rules react to, so the properties exercise the rules, not just noise.
  const descriptorPiece = fc.oneof(
    fc.constantFrom(...processorPrefixes.map((prefix) => `${prefix} *`), ...legalSuffixes, 'the', 'sp', 'store', '#', '*', '.', '.com', '.co.uk', '/bill', '-', "'", '&', '+', ','),
    fc.constantFrom(...merchantAliases.flatMap((alias) => [alias.canonical, ...alias.names, ...alias.leading])),
    fc.constantFrom('12345', '2k4ty7', 'mk1234', '42nd', '7', 'é', 'İ', 'ﬁ', 'Σ', '스타벅스', '각', 'ᆨ', '\u0301', 'ℍ', 'ǅ', '\u{1F600}', '\uD800', '\u00A0', '\t'),
    fc.string({ unit: 'grapheme', maxLength: 6 }),
  );
  const descriptorLike = fc.array(fc.tuple(descriptorPiece, fc.constantFrom(' ', '', '  ')), { maxLength: 12 }).map((parts) => parts.map(([piece, gap]) => piece + gap).join(''));
  const anyString = fc.oneof(
    descriptorLike,
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 40 }).map((units) => String.fromCharCode(...units)), // lone surrogates too
  );

  it('is idempotent: normalizing a normalized name changes nothing (property)', () => {
    fc.assert(
      fc.property(anyString, (descriptor) => {
        const once = normalizeMerchantName(descriptor);
        assert.equal(normalizeMerchantName(once), once);
      }),
      { numRuns: 3000 },
    );
  });

  it('never throws and returns a trimmed, lower-case, single-spaced name of letters and digits (property)', () => {
    fc.assert(
      fc.property(anyString, (descriptor) => {
        const name = normalizeMerchantName(descriptor);
        assert.equal(typeof name, 'string');
        assert.equal(name, name.trim());
        assert.equal(name, name.toLowerCase());
        assert.match(name, /^(?:[\p{L}\p{N}]+(?: [\p{L}\p{N}]+)*)?$/u);
        assert.ok(name.length <= normalizedNameLengthMax);
      }),
      { numRuns: 3000 },
    );
  });

  it('ignores case (property)', () => {
    fc.assert(
      fc.property(descriptorLike, (descriptor) => {
        assert.equal(normalizeMerchantName(descriptor.toLowerCase()), normalizeMerchantName(descriptor));
      }),
      { numRuns: 1000 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-ascii', maxLength: 40 }), (descriptor) => {
        assert.equal(normalizeMerchantName(descriptor.toUpperCase()), normalizeMerchantName(descriptor.toLowerCase()));
      }),
      { numRuns: 1000 },
    );
  });

  it('ignores accents and compatibility forms', () => {
    assert.equal(normalizeMerchantName('Crème Brûlée Café'), 'creme brulee cafe');
    assert.equal(normalizeMerchantName('ＳＴＡＲＢＵＣＫＳ'), 'starbucks');
    assert.equal(normalizeMerchantName('ﬁve guys'), 'five guys');
    assert.equal(normalizeMerchantName('ℍULU'), 'hulu');
  });
});

describe('merchantsMatch', () => {
  it('matches a descriptor with the merchantText that names its merchant', () => {
    assert.equal(merchantsMatch('AMZN Mktp US*2K4TY7', 'Amazon'), true);
    assert.equal(merchantsMatch('AMAZON.COM*MK1234', 'amazon.com'), true);
    assert.equal(merchantsMatch('Amazon.com, Inc.', 'Amazon Marketplace'), true);
    assert.equal(merchantsMatch('PAYPAL *STEAMGAMES', 'Steam'), true);
    assert.equal(merchantsMatch('WAL-MART #1234', 'Walmart'), true);
    assert.equal(merchantsMatch('APPLE.COM/BILL', 'iTunes'), true);
    assert.equal(merchantsMatch('OPENAI *CHATGPT SUBSCR', 'ChatGPT Plus'), true);
  });

  it('matches when every word of the shorter name is a whole word of the longer one', () => {
    assert.equal(merchantsMatch('SQ *BLUE BOTTLE COFFEE', 'Blue Bottle'), true);
    assert.equal(merchantsMatch('Blue Bottle', 'SQ *BLUE BOTTLE COFFEE'), true);
    assert.equal(merchantsMatch('TST*JOES PIZZA NYC', "Joe's Pizza"), true);
    assert.equal(merchantsMatch('DOORDASH*BURGERKING', 'Burger King via DoorDash'), true);
    assert.equal(merchantsMatch('SQ *BLUE-BOTTLE', 'Blue Bottle'), true); // equal once spaces are removed
  });

  it('does not match a word inside another word', () => {
    assert.equal(merchantsMatch('Amazonia Pets', 'Amazon'), false);
    assert.equal(merchantsMatch('Targetted Ads', 'Target'), false);
    assert.equal(merchantsMatch('TARGET 00012345', 'Targetted Ads'), false);
    assert.equal(merchantsMatch('SQ *BLUE BOTTLE COFFEE', 'Blue Bottles'), false);
  });

  it('does not match on generic words alone, or on nothing', () => {
    assert.equal(merchantsMatch('TST* JOES PIZZA', 'Pizza'), false);
    assert.equal(merchantsMatch('SQ *BLUE BOTTLE COFFEE', 'coffee shop'), false);
    assert.equal(merchantsMatch('SQ *BLUE BOTTLE COFFEE', 'Coffee'), false);
    assert.equal(merchantsMatch('***', ''), false);
    assert.equal(merchantsMatch('', 'Amazon'), false);
  });

  it('does not match different merchants', () => {
    assert.equal(merchantsMatch('Best Buy', 'Amazon'), false);
    assert.equal(merchantsMatch('DOORDASH*BURGERKING', 'Burger King'), false); // DoorDash is the merchant of record
    assert.equal(merchantsMatch('GOOGLE *YouTube', 'Netflix'), false);
  });

  it('is symmetric, and a name with letters matches itself (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.string({ unit: 'grapheme', maxLength: 30 }), (first, second) => {
        assert.equal(merchantsMatch(first, second), merchantsMatch(second, first));
        assert.equal(merchantsMatch(first, first), normalizeMerchantName(first) !== '');
      }),
      { numRuns: 1000 },
    );
  });
});

describe('amountMatches', () => {
  it('includes the boundary, computed without floating-point error', () => {
    assert.equal(defaultMatchTolerance, 0.1);
    assert.equal(amountMatches(11_000, 10_000), true);
    assert.equal(amountMatches(11_001, 10_000), false);
    assert.equal(amountMatches(9_000, 10_000), true);
    assert.equal(amountMatches(8_999, 10_000), false);
    assert.equal(amountMatches(10_000, 10_000, 0), true);
    assert.equal(amountMatches(10_001, 10_000, 0), false);
    // 0.07 × 300 is 21.000000000000004 in floating point; the integer rule still includes 321.
    assert.equal(amountMatches(321, 300, 0.07), true);
    assert.equal(amountMatches(322, 300, 0.07), false);
    assert.equal(amountMatches(0, 0), true);
    assert.equal(amountMatches(1, 0), false);
  });

  it('matches exactly when |actual − declared| × 100 ≤ percent × declared (property)', () => {
    fc.assert(
      fc.property(fc.nat({ max: 10_000_000_000 }), fc.nat({ max: 10_000_000_000 }), fc.integer({ min: 0, max: 100 }), (actual, declared, percent) => {
        const expected = BigInt(Math.abs(actual - declared)) * 100n <= BigInt(percent) * BigInt(declared);
        assert.equal(amountMatches(actual, declared, percent / 100), expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('is exact for amounts near the largest safe integer', () => {
    const declared = Number.MAX_SAFE_INTEGER - 1;
    assert.equal(amountMatches(Number.MAX_SAFE_INTEGER, declared, 0), false);
    assert.equal(amountMatches(declared, declared, 0), true);
  });

  it('rejects amounts that are not integers of cents and tolerances that are not non-negative numbers', () => {
    assert.throws(() => amountMatches(10.5, 10), RangeError);
    assert.throws(() => amountMatches(10, -1), RangeError);
    assert.throws(() => amountMatches(10, 10, -0.1), RangeError);
    assert.throws(() => amountMatches(10, 10, Number.NaN), RangeError);
  });
});

describe('matchIntent', () => {
  const candidate = (id: string, amountCents: number, merchantText: string, revealedAtMs: number): IntentCandidate => ({ id, amountCents, merchantText, revealedAtMs });

  it('answers undefined when there is no candidate', () => {
    assert.equal(matchIntent([], { amountCents: 100, merchantName: 'Amazon' }), undefined);
  });

  it("matches seed 001's example: declared Amazon 349.99, authorized at AMZN Mktp US*2K4TY7", () => {
    const intents = [candidate('int_1', 34_999, 'Amazon', 1_000)];
    assert.deepEqual(matchIntent(intents, { amountCents: 34_999, merchantName: 'AMZN Mktp US*2K4TY7' }), {
      intentId: 'int_1',
      matched: true,
      matchResult: { amountMatch: true, merchantMatch: true, actualAmount: 34_999, actualMerchant: 'amazon', declaredAmount: 34_999, declaredMerchant: 'amazon' },
    });
  });

  it("mismatches seed 001's intent when the purchase is at Best Buy", () => {
    const result = matchIntent([candidate('int_1', 34_999, 'Amazon', 1_000)], { amountCents: 34_999, merchantName: 'Best Buy' });
    assert.deepEqual(result, {
      intentId: 'int_1',
      matched: false,
      matchResult: { amountMatch: true, merchantMatch: false, actualAmount: 34_999, actualMerchant: 'bestbuy', declaredAmount: 34_999, declaredMerchant: 'amazon' },
    });
  });

  it('mismatches on amount alone when the merchant agrees', () => {
    const result = matchIntent([candidate('int_1', 10_000, 'Amazon', 1_000)], { amountCents: 11_001, merchantName: 'AMAZON.COM*MK1234' });
    assert.equal(result?.matched, false);
    assert.equal(result?.matchResult.amountMatch, false);
    assert.equal(result?.matchResult.merchantMatch, true);
    assert.equal(matchIntent([candidate('int_1', 10_000, 'Amazon', 1_000)], { amountCents: 11_001, merchantName: 'Amazon' }, 0.2)?.matched, true);
  });

  it("judges each candidate's amount by its own tolerance when it has one, else by the one given", () => {
    const actual = { amountCents: 10_500, merchantName: 'Amazon' };
    const strict = { ...candidate('int_strict', 10_000, 'Amazon', 1_000), tolerancePartsPerMillion: 20_000 };
    assert.equal(matchIntent([strict], actual)?.matched, false, '5 % away is outside its own 2 %, though inside the default 10 %');
    assert.equal(matchIntent([strict], actual, 0.5)?.matched, false, 'its own tolerance wins over the one given');
    assert.equal(matchIntent([{ ...strict, tolerancePartsPerMillion: 50_000 }], actual)?.matched, true, 'the boundary is included');
    assert.equal(matchIntent([{ ...strict, tolerancePartsPerMillion: null }], actual)?.matched, true, 'null: the default applies');
    assert.equal(matchIntent([{ ...strict, tolerancePartsPerMillion: 0 }], { ...actual, amountCents: 10_000 })?.matched, true, '0 %: exact');
    // The better candidate by its own tolerance is chosen over one that only matches the merchant.
    const loose = { ...candidate('int_loose', 10_000, 'Amazon', 500), tolerancePartsPerMillion: 100_000 };
    assert.equal(matchIntent([strict, loose], actual)?.intentId, 'int_loose');
  });

  it('prefers the candidate matching both, even over more recently revealed ones', () => {
    const intents = [
      candidate('int_both', 5_000, 'Netflix', 1_000),
      candidate('int_merchant', 90_000, 'Netflix', 3_000),
      candidate('int_newest', 5_000, 'Spotify', 5_000),
    ];
    const result = matchIntent(intents, { amountCents: 5_000, merchantName: 'NETFLIX.COM' });
    assert.equal(result?.intentId, 'int_both');
    assert.equal(result?.matched, true);
  });

  it('else prefers the candidate matching the merchant, even when another matches the amount', () => {
    const intents = [candidate('int_merchant', 90_000, 'Netflix', 1_000), candidate('int_amount', 5_000, 'Spotify', 5_000)];
    const result = matchIntent(intents, { amountCents: 5_000, merchantName: 'NETFLIX.COM' });
    assert.equal(result?.intentId, 'int_merchant');
    assert.deepEqual(result?.matchResult, { amountMatch: false, merchantMatch: true, actualAmount: 5_000, actualMerchant: 'netflix', declaredAmount: 90_000, declaredMerchant: 'netflix' });
  });

  it('else takes the most recently revealed candidate', () => {
    const intents = [candidate('int_old', 5_000, 'Spotify', 1_000), candidate('int_new', 7_000, 'Hulu', 9_000), candidate('int_mid', 5_000, 'Target', 4_000)];
    const result = matchIntent(intents, { amountCents: 5_000, merchantName: 'Best Buy 00012345' });
    assert.equal(result?.intentId, 'int_new');
    assert.equal(result?.matched, false);
  });

  it('among equally good candidates takes the most recently revealed, and on a tie the earlier in the list', () => {
    const intents = [candidate('int_a', 5_000, 'Amazon', 1_000), candidate('int_b', 5_000, 'amazon.com', 2_000), candidate('int_c', 5_100, 'AMAZON', 2_000)];
    assert.equal(matchIntent(intents, { amountCents: 5_000, merchantName: 'AMZN Mktp US*1' })?.intentId, 'int_b');
  });

  it('chooses by the stated order of preference for any candidates (property)', () => {
    const merchants = ['Amazon', 'Best Buy', 'Netflix', 'Blue Bottle'];
    const candidates = fc.uniqueArray(
      fc.record({ id: fc.stringMatching(/^int_[a-z0-9]{4}$/), amountCents: fc.integer({ min: 1, max: 20_000 }), merchantText: fc.constantFrom(...merchants), revealedAtMs: fc.nat({ max: 100 }) }),
      { selector: (entry) => entry.id, maxLength: 6 },
    );
    const actual = fc.record({ amountCents: fc.integer({ min: 1, max: 20_000 }), merchantName: fc.constantFrom('AMZN Mktp US*2K4TY7', 'BESTBUY.COM 807', 'NETFLIX.COM', 'SQ *BLUE BOTTLE COFFEE', 'HULU 877-8244858') });
    fc.assert(
      fc.property(candidates, actual, (pool, transaction) => {
        const result = matchIntent(pool, transaction);
        if (pool.length === 0) return assert.equal(result, undefined);
        assert.ok(result !== undefined);
        const score = (entry: IntentCandidate): number => {
          const merchant = merchantsMatch(transaction.merchantName, entry.merchantText);
          return merchant && amountMatches(transaction.amountCents, entry.amountCents) ? 2 : merchant ? 1 : 0;
        };
        const chosen = pool.find((entry) => entry.id === result.intentId)!;
        for (const other of pool) {
          assert.ok(score(other) < score(chosen) || (score(other) === score(chosen) && other.revealedAtMs <= chosen.revealedAtMs));
        }
        assert.equal(result.matched, score(chosen) === 2);
      }),
      { numRuns: 500 },
    );
  });
});

describe('merchantCategory', () => {
  it('maps the documented merchant category codes', () => {
    assert.equal(merchantCategory('5411'), 'grocery');
    assert.equal(merchantCategory('5812'), 'restaurants');
    assert.equal(merchantCategory('5814'), 'fast_food');
    assert.equal(merchantCategory('5732'), 'electronics');
    assert.equal(merchantCategory('5942'), 'books');
    assert.equal(merchantCategory('5999'), 'retail');
    assert.equal(merchantCategory('4121'), 'rideshare_taxi');
    assert.equal(merchantCategory('4511'), 'airlines');
    assert.equal(merchantCategory('7011'), 'lodging');
    assert.equal(merchantCategory('5818'), 'digital_goods');
    assert.equal(merchantCategory('5734'), 'software');
    assert.equal(merchantCategory('4814'), 'telecom');
    assert.equal(merchantCategory('5311'), 'department_stores');
    assert.equal(merchantCategory('5912'), 'pharmacy');
    assert.equal(merchantCategory(' 5411 '), 'grocery');
  });

  it('has no category for an absent, unknown or malformed code', () => {
    for (const mcc of [undefined, '', '0000', '541', '54111', 'abcd', 'toString', '__proto__', 'constructor']) assert.equal(merchantCategory(mcc), undefined, String(mcc));
  });
});

describe('docs/merchants.md', () => {
  const documentation = readFileSync(new URL('../../docs/merchants.md', import.meta.url), 'utf8');

  it('lists every canonical name, processor prefix, legal suffix and merchant category code', () => {
    for (const alias of merchantAliases) assert.ok(documentation.includes(`\`${alias.canonical}\``), alias.canonical);
    for (const prefix of processorPrefixes) assert.ok(documentation.includes(`\`${prefix}\``), prefix);
    for (const suffix of legalSuffixes) assert.ok(documentation.includes(`\`${suffix}\``), suffix);
    for (const [mcc, category] of Object.entries(merchantCategoryByMcc)) assert.ok(documentation.includes(`| ${mcc} | \`${category}\``), mcc);
  });
});
