import { z } from 'zod';
import { approvalMethods, intentStatuses } from '../../domain/intents.js';
import { aliased, refineAliases } from '../ledgeros-names.js';
import { listPageSchema, listQuerySchema } from '../pagination.js';
import { metadataSchema } from '../users/schemas.js';

const maxIntentAmountCents = 100_000_000_000;

/** A per-intent ttl (LedgerOS `ttlMinutes`): how long a pending intent waits for its card details. */
export const intentTtlMinutesMin = 1;
export const intentTtlMinutesMax = 1_440;
export const defaultIntentTtlMinutes = 60;

/** Percent of the declared amount, to the ten-thousandth of a percent (a whole number of parts per million). */
const tolerancePercent = z
  .number()
  .min(0)
  .max(100)
  .refine((percent) => Math.abs(percent * 10_000 - Math.round(percent * 10_000)) < 1e-6, 'at most 4 decimal places')
  .describe(
    "How far the authorized amount may be from the declared one and still match, in percent of it (0–100; 10 means 10 % either side, 0 an exact match). Default: the card's tolerance, 10 %",
  );

/** The currency of an amount: USD, the only one cardrail moves (422 unsupported_currency otherwise). */
export const usdCurrency = z
  .string()
  .min(1)
  .max(10)
  .superRefine((currency, context) => {
    if (currency !== 'USD') context.addIssue({ code: 'custom', message: 'only USD is supported', params: { errorCode: 'unsupported_currency', currency } });
  })
  .describe('USD, the only currency supported (amounts are cents of USD)');

const intentAmount = z.number().int().min(1).max(maxIntentAmountCents);
const merchantText = z.string().trim().min(1).max(200);

export const declareIntentBody = z
  .strictObject({
    summary: z.string().trim().min(1).max(500).describe('What the agent is about to buy, in words a person can audit'),
    amount: intentAmount.optional().describe('Expected total in cents, including taxes and shipping (or LedgerOS\'s `expectedAmount`; one of the two is required)'),
    expectedAmount: intentAmount.optional().describe('LedgerOS\'s name for `amount`'),
    merchantText: merchantText.optional().describe('The merchant as it will appear, e.g. "Amazon" (or LedgerOS\'s `expectedMerchant`; one of the two is required)'),
    expectedMerchant: merchantText.optional().describe('LedgerOS\'s name for `merchantText`'),
    expectedCurrency: usdCurrency.optional(),
    tolerance: tolerancePercent.optional(),
    ttlMinutes: z
      .number()
      .int()
      .min(intentTtlMinutesMin)
      .max(intentTtlMinutesMax)
      .optional()
      .describe(`Minutes the intent stays pending, waiting for its card details (${intentTtlMinutesMin}–${intentTtlMinutesMax}, default ${defaultIntentTtlMinutes}); once they are read it has 24 h for its purchase`),
    metadata: metadataSchema.optional(),
    intentId: z.string().min(1).max(100).optional().describe('Your own id for this intent: declaring it again returns the same intent'),
  })
  .superRefine(
    refineAliases(
      [
        { field: 'amount', alias: 'expectedAmount' },
        { field: 'merchantText', alias: 'expectedMerchant' },
      ],
      ['amount', 'merchantText'],
    ),
  )
  .transform((body) => ({
    summary: body.summary,
    amountCents: aliased(body.amount, body.expectedAmount)!,
    merchantText: aliased(body.merchantText, body.expectedMerchant)!,
    currency: 'USD' as const,
    /** Parts per million of the declared amount; null: the card's tolerance applies. */
    tolerancePartsPerMillion: body.tolerance === undefined ? null : Math.round(body.tolerance * 10_000),
    ttlMinutes: body.ttlMinutes ?? defaultIntentTtlMinutes,
    metadata: body.metadata ?? {},
    intentId: body.intentId,
  }));
export type DeclareIntentInput = z.output<typeof declareIntentBody>;

export const detailsReasons = ['one-time', 'subscription', 'preauth'] as const;

/** At most this many entries in a details request's clientContext. */
export const clientContextEntriesMax = 20;

/**
 * Where the agent is reading the card, in its own words (LedgerOS `clientContext`, whose fields SPEC does not name):
 * short strings under names of the caller's choosing (a user agent, a checkout URL, a session id), kept on the
 * credential.accessed event for audit and never used in a decision. Bounded, like metadata, so an access stays small.
 */
export const clientContextSchema = z
  .record(z.string().min(1).max(40), z.string().max(500))
  .refine((value) => Object.keys(value).length <= clientContextEntriesMax, { message: `at most ${clientContextEntriesMax} entries` })
  .describe(
    `Where the details are used, e.g. {"userAgent": "…", "checkoutUrl": "https://…"}: up to ${clientContextEntriesMax} strings (names up to 40 characters, values up to 500), recorded on the credential.accessed event for audit and not used in any decision`,
  );

export const cardDetailsBody = z.strictObject({
  summary: z.string().trim().min(1).max(500),
  expectedAmount: z.number().int().min(1).max(maxIntentAmountCents),
  expectedCurrency: usdCurrency.optional(),
  merchantText: z.string().trim().min(1).max(200),
  reason: z.enum(detailsReasons).optional().describe('Why the card is read: one-time (a single purchase, the default), subscription (a recurring charge) or preauth (a hold the merchant completes later)'),
  clientContext: clientContextSchema.optional(),
  intentId: z.string().min(1).max(100).optional().describe('The intent these details are for (its id or your intentId); default: the most recent usable one'),
});
export type CardDetailsInput = z.infer<typeof cardDetailsBody>;

export const listIntentsQuery = listQuerySchema.extend({ status: z.enum(intentStatuses).optional() });
export const listAllIntentsQuery = listIntentsQuery.extend({
  cardId: z.string().min(1).max(64).optional().describe('Only intents on this card'),
  agentId: z.string().min(1).max(64).optional().describe("Only this agent's intents"),
  userId: z.string().min(1).max(64).optional().describe("Only intents on this user's cards"),
});
export const decideIntentBody = z.strictObject({ reason: z.string().trim().min(1).max(500).optional() });

export const intentSchema = z.object({
  object: z.literal('intent'),
  id: z.string(),
  cardId: z.string(),
  agentId: z.string(),
  userId: z.string(),
  intentId: z.string().nullable().describe('Your own id, when you gave one'),
  summary: z.string(),
  amount: z.number().int(),
  expectedAmount: z.number().int().describe('LedgerOS\'s name for amount: the same value'),
  merchantText: z.string(),
  expectedMerchant: z.string().describe('LedgerOS\'s name for merchantText: the same value'),
  expectedCurrency: z.literal('USD'),
  tolerance: z.number().nullable().describe("The intent's own amount tolerance in percent; null: the card's applies (10 % unless its policy says otherwise)"),
  ttlMinutes: z.number().int().describe('Minutes the intent stays pending after its declaration (or approval) while its card details are unread'),
  metadata: z.record(z.string(), z.string()),
  status: z.enum(intentStatuses),
  warnings: z.array(z.object({ code: z.string(), message: z.string() })),
  expiresAt: z.string().nullable().describe('When a pending or revealed intent expires, or when a pending_approval one is rejected unless approved'),
  revealedAt: z.string().nullable(),
  matchedAt: z.string().nullable().describe('When an authorization was matched against the intent (status matched or mismatched)'),
  accessEventId: z.string().nullable(),
  transactionId: z.string().nullable(),
  matchResult: z.record(z.string(), z.unknown()).nullable(),
  decisionReason: z.string().nullable().describe('The note given with an approval or rejection; approval_expired when nobody approved it within its approvalTimeoutMinutes'),
  approvalMethod: z.enum(approvalMethods).nullable().describe('Who may approve it, when it waited for approval: apiKey, cardholder or cardholderPasskey; null when it needed no approval'),
  approvalUrl: z
    .string()
    .nullable()
    .describe('While a cardholder method awaits approval: the single-use hosted approval link to send the cardholder (API keys and webhooks only; null for agent tokens)'),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export const intentListSchema = listPageSchema(intentSchema);

export const cardDetailsSchema = z.object({
  object: z.literal('card_details'),
  accessEventId: z.string().describe('Id of the credential.accessed event that records this access'),
  exposureMode: z
    .enum(['rawPan', 'extensionOnly'])
    .describe('rawPan: the number and CVV are in this answer; extensionOnly: they are not — detailsToken is, for a trusted filler to redeem'),
  pan: z.string().optional().describe('rawPan only'),
  cvv: z.string().optional().describe('rawPan only'),
  detailsToken: z.string().optional().describe('extensionOnly only: a single-use token a filler key redeems within 120 s (POST /v1/details-tokens/{token}/redeem)'),
  tokenExpiresAt: z.string().optional().describe('extensionOnly only'),
  expirationMonth: z.string(),
  expirationYear: z.string(),
  last4: z.string(),
  intentId: z.string(),
  warnings: z
    .array(
      z.object({
        code: z.string().describe('attestation_mismatch'),
        field: z.string().describe('The attestation field that contradicts the intent: merchantText or expectedAmount'),
        message: z.string(),
      }),
    )
    .describe('Where the attestation contradicts the declared intent (another merchant, or an amount outside the tolerance); empty when it agrees'),
});
