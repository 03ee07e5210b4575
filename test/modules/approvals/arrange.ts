// Approval records for tests: the terms of one decision with every field filled (a passkey approval, so the
// webauthn assertion is there too), and the JWS edits a forger would try.
import type { ApprovalRecordPayload } from '../../../src/modules/approvals/record.js';

const decidedAtMs = Date.UTC(2025, 5, 14, 9, 30, 12, 345);

/** A cardholder's passkey approval of a $123.45 purchase at Amazon. */
export function approvalTerms(overrides: Partial<ApprovalRecordPayload> = {}): ApprovalRecordPayload {
  return {
    iss: 'cardrail',
    jti: 'apr_01jxq4t0g8v6c2m9k3h5n7p1rs',
    iat: Math.floor(decidedAtMs / 1000),
    organizationId: 'org_01jxq4rz1y2b3c4d5e6f7g8h9j',
    environment: 'sandbox',
    decision: 'approved',
    method: 'cardholderPasskey',
    reason: 'Looks right',
    decidedBy: { type: 'cardholder', userId: 'usr_01jxq4s2a3b4c5d6e7f8g9h0jk' },
    decidedAt: new Date(decidedAtMs).toISOString(),
    intent: {
      id: 'int_01jxq4s9m8n7p6q5r4s3t2v1wx',
      cardId: 'card_01jxq4s5c6d7e8f9g0h1j2k3mn',
      agentId: 'agt_01jxq4s3b4c5d6e7f8g9h0jkmn',
      userId: 'usr_01jxq4s2a3b4c5d6e7f8g9h0jk',
      amount: 12_345,
      currency: 'USD',
      merchantText: 'Amazon',
      summary: 'USB-C cables, two packs',
      expiresAt: new Date(decidedAtMs + 3_600_000).toISOString(),
    },
    webauthn: {
      credentialId: 'AQIDBAUGBwgJCgsMDQ4PEA',
      clientDataJSON: 'eyJ0eXBlIjoid2ViYXV0aG4uZ2V0In0',
      authenticatorData: 'SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAQ',
      signature: 'MEUCIQDx3F8eMaw5aGjL2lSeuY1cQxhZf6XJ1bxz2eOBdnUW6gIgC4xZ',
      userHandle: 'dXNyXzAx',
    },
    ...overrides,
  };
}

export function base64UrlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

export function decodeSegment(segment: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** The JWS with its header or payload replaced, the signature kept: what editing a saved record gives. */
export function reencoded(jws: string, part: 'header' | 'payload', edit: (decoded: Record<string, unknown>) => Record<string, unknown>): string {
  const [header, payload, signature] = jws.split('.') as [string, string, string];
  if (part === 'header') return `${base64UrlJson(edit(decodeSegment(header)))}.${payload}.${signature}`;
  return `${header}.${base64UrlJson(edit(decodeSegment(payload)))}.${signature}`;
}
