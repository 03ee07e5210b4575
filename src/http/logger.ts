// Structured JSON logs (pino) with secrets removed twice: by field path (headers, pan, cvv, key, token, secret)
// and by pattern on every written line — credentials, and card numbers with their security codes (the PAN guard) —
// so a secret that lands in a message or URL is still scrubbed.
import pino, { type Logger, type LoggerOptions } from 'pino';
import { secretPatterns } from '../domain/credentials.js';
import { guardCardNumbers, luhnValid, maskedCardNumber } from '../domain/pan-guard.js';

export const redactedPaths = [
  'req.headers["api-key"]',
  'req.headers.authorization',
  'req.headers.cookie',
  '*.pan',
  '*.cvv',
  '*.key',
  '*.token',
  '*.secret',
  '*.sandboxKey',
  '*.liveKey',
  'pan',
  'cvv',
  'key',
  'token',
  'secret',
];

const secretFieldNames = new Set(['pan', 'cvv', 'key', 'token', 'secret', 'sandboxKey', 'liveKey']);
const redactDepthMax = 8;

/**
 * Pino's redact paths reach one level of nesting only; this catches the same field names deeper (`order.card.pan`).
 * Only plain objects and arrays are walked (copied, never mutated); errors, requests and the like keep their serializers.
 */
export function redactSecretFields(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object' || depth > redactDepthMax) return value;
  if (Array.isArray(value)) return value.map((item) => redactSecretFields(item, depth + 1));
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return value;
  const copy: Record<string, unknown> = {};
  for (const [field, inner] of Object.entries(value)) copy[field] = secretFieldNames.has(field) && inner !== undefined ? '[REDACTED]' : redactSecretFields(inner, depth + 1);
  return copy;
}

/** A JSON number value of card-number length: `"field":4000001234567899` (never inside a string: no quote before). */
const bareNumberValue = /([:,[]\s*)(\d{13,19})(?=\s*[,}\]])/g;

/**
 * Every written line: the product's secrets by pattern, then card numbers and the codes beside them (the PAN guard).
 * The line stays JSON: a card number logged as a number value becomes the quoted marker, not bare text.
 */
export function scrubSecrets(line: string): string {
  let scrubbed = line;
  for (const pattern of secretPatterns) scrubbed = scrubbed.replace(pattern, '[REDACTED]');
  scrubbed = scrubbed.replace(bareNumberValue, (match, before: string, digits: string) => (luhnValid(digits) ? `${before}"${maskedCardNumber(digits)}"` : match));
  return guardCardNumbers(scrubbed).text;
}

/** Paths that carry a token in the URL (hosted verification, passkey enrollment and approval pages, OTP listeners) are logged without it. */
export function redactUrl(url: string): string {
  return url.replace(/^(\/(?:verify|enroll|approve|v1\/otp)\/)[^/?#]+/, '$1[REDACTED]');
}

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    // ISO times: an epoch-millisecond time is a 13-digit number, and one in ten of those passes the Luhn check.
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: redactedPaths, censor: '[REDACTED]' },
    hooks: {
      streamWrite: scrubSecrets,
    },
    formatters: {
      log: (object) => redactSecretFields(object) as Record<string, unknown>,
    },
    serializers: {
      req(request: { method: string; url: string; ip?: string; id?: string }) {
        return { method: request.method, url: redactUrl(request.url), remoteAddress: request.ip };
      },
    },
  };
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return destination === undefined ? pino(loggerOptions(level)) : pino(loggerOptions(level), destination);
}
