// Shapes of the passkey API, and of the WebAuthn answers browsers send to the hosted pages (base64url fields, as
// the WebAuthn Level 3 JSON encodings and @simplewebauthn/server name them), with a bound on every size.
import { z } from 'zod';
import { listPageSchema } from '../pagination.js';

/** An enrollment link works this long (environment time), once. */
export const enrollmentLinkValidityMs = 24 * 3600 * 1000;
/** Passkeys one cardholder may hold: a bound on what an enrollment link, or a leaked API key, can add. */
export const passkeysPerUserMax = 10;
/** How long the browser lets the person answer a passkey prompt. */
export const ceremonyTimeoutMs = 5 * 60 * 1000;

export const passkeyUserParams = z.strictObject({ id: z.string().min(1).max(64) });
export const passkeyParams = z.strictObject({ id: z.string().min(1).max(64), passkeyId: z.string().min(1).max(64) });

export const createEnrollmentBody = z.strictObject({
  name: z.string().trim().min(1).max(100).optional().describe("A name for the passkey this link creates, shown in the passkey list (e.g. \"Ada's phone\")"),
});

export const passkeyEnrollmentSchema = z.object({
  object: z.literal('passkey_enrollment'),
  id: z.string(),
  userId: z.string(),
  name: z.string().nullable().describe('The name the passkey will get'),
  enrollmentUrl: z
    .string()
    .nullable()
    .describe('The hosted page where the cardholder creates their passkey; send it to them. Shown only in this response (null when an Idempotency-Key replay answers it)'),
  expiresAt: z.string().describe('The link stops working at this time (24 hours of environment time), once used, or when a newer link is created for the user'),
});

export const passkeySchema = z.object({
  object: z.literal('passkey'),
  id: z.string(),
  userId: z.string(),
  name: z.string().nullable(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable().describe('When the passkey last signed a ceremony successfully'),
  deviceType: z.enum(['singleDevice', 'multiDevice']).describe('multiDevice: a synced passkey (e.g. in a password manager or cloud keychain); singleDevice: bound to one authenticator'),
  backedUp: z.boolean().describe('Whether a multiDevice passkey is currently backed up'),
});

export const passkeyListSchema = listPageSchema(passkeySchema);

const base64url = (maxLength: number) => z.string().min(1).max(maxLength).regex(/^[A-Za-z0-9_-]+$/, 'base64url');
/** Credential ids are at most 1023 bytes (WebAuthn §5.8.3): 1,364 characters of base64url. */
const credentialId = base64url(1_364);
const clientExtensionResults = z.record(z.string().max(64), z.unknown()).default({});
const authenticatorAttachment = z.enum(['platform', 'cross-platform']).optional();

/** What `navigator.credentials.create` answered, as JSON (RegistrationResponseJSON); unknown fields are dropped. */
export const registrationResponseSchema = z.object({
  id: credentialId,
  rawId: credentialId,
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: base64url(8_192),
    attestationObject: base64url(65_536),
    // Transports a newer browser knows and this server does not are dropped, not refused.
    transports: z.array(z.string().max(32)).max(10).optional(),
  }),
  clientExtensionResults,
  authenticatorAttachment,
});

/** What `navigator.credentials.get` answered, as JSON (AuthenticationResponseJSON); unknown fields are dropped. */
export const authenticationResponseSchema = z.object({
  id: credentialId,
  rawId: credentialId,
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: base64url(8_192),
    authenticatorData: base64url(8_192),
    signature: base64url(1_024),
    userHandle: base64url(128).nullish(),
  }),
  clientExtensionResults,
  authenticatorAttachment,
});
