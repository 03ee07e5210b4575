import { z } from 'zod';
import { normalizeCidr } from '../../domain/ip-allowlist.js';
import { listPageSchema } from '../pagination.js';

const cidr = z
  .string()
  .max(64)
  .transform((value, context) => {
    const normalized = normalizeCidr(value);
    if (normalized === undefined) {
      context.addIssue({ code: 'custom', message: `"${value}" is not an IP address or CIDR range` });
      return z.NEVER;
    }
    return normalized;
  });

export const createApiKeyBody = z.strictObject({
  name: z.string().min(1).max(100).optional().describe('A label to recognise the key by'),
  allowedIps: z.array(cidr).max(50).optional().describe('CIDR ranges (or single addresses) allowed to use this key; empty or absent means any'),
  expiresAt: z.iso.datetime({ offset: true }).optional().describe('ISO-8601 time in the future (environment time) after which the key answers 401 expired_api_key'),
});

export const apiKeyIdParams = z.strictObject({ id: z.string().min(1).max(64) });

export const apiKeySchema = z.object({
  object: z.literal('api_key'),
  id: z.string(),
  name: z.string().nullable(),
  environment: z.enum(['sandbox', 'live']),
  redactedKey: z.string().describe('Prefix and last four characters, for recognition'),
  allowedIps: z.array(z.string()).nullable(),
  createdAt: z.string(),
  expiresAt: z.string().nullable().describe('when the key stops working; null: never'),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});

export const createdApiKeySchema = apiKeySchema.extend({
  key: z.string().nullable().describe('The secret, shown only in this response (null when an Idempotency-Key replay answers it)'),
});

export const apiKeyListSchema = listPageSchema(apiKeySchema);
