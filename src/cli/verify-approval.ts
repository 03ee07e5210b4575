// `cardrail verify-approval FILE [--jwks FILE_OR_URL]`: checks a saved approval record (the JSON answer of
// GET /v1/intents/{id}/approval, or its bare JWS) against the deployment's public key set with the SDK's
// verifyApprovalRecord, and prints the terms it proves. The key set comes from --jwks (a saved copy, for checking
// offline, or a URL), else from the server at CARDRAIL_URL (default this machine's server) `/.well-known/jwks.json`.
import type { Command } from 'commander';
import { readFileSync, statSync } from 'node:fs';
import { loadConfig } from '../config.js';
import { RedeemFailed, serverBaseUrl } from '../filler/redeem.js';
import { approvalJwksPath } from '../modules/approvals/record.js';
import { ApprovalRecordVerificationError, verifyApprovalRecord, type ApprovalJwks, type ApprovalRecordPayload } from '../sdk/approval-records.js';

/** The record or key set could not be read: nothing was checked. Printed as one line, exit code 1. */
export class VerifyApprovalError extends Error {}

/** A record or a key set is a few kilobytes; anything past this is not one. */
const inputBytesMax = 1_048_576;
const jwksFetchTimeoutMs = 10_000;

function readSmallFile(path: string, what: string): string {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (error) {
    throw new VerifyApprovalError(`cannot read the ${what} ${path}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
  if (size > inputBytesMax) throw new VerifyApprovalError(`the ${what} ${path} is larger than ${inputBytesMax} bytes: not an approval record or key set`);
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new VerifyApprovalError(`cannot read the ${what} ${path}: ${(error as Error).message}`);
  }
}

/** The key set's URL when --jwks is not given: CARDRAIL_URL, else the configured public URL, else this machine's server. */
export function defaultJwksUrl(env: NodeJS.ProcessEnv): string {
  const configured = env.CARDRAIL_URL?.trim();
  const config = loadConfig(env);
  const server = configured !== undefined && configured !== '' ? configured : (config.publicUrl ?? `http://127.0.0.1:${config.port}`);
  try {
    return `${serverBaseUrl(server)}${approvalJwksPath}`;
  } catch (error) {
    if (error instanceof RedeemFailed) throw new VerifyApprovalError(`${configured === undefined || configured === '' ? 'CARDRAIL_PUBLIC_URL' : 'CARDRAIL_URL'}: ${error.message}`);
    throw error;
  }
}

async function fetchJwks(url: string): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(jwksFetchTimeoutMs) });
  } catch (error) {
    const cause = (error as Error).cause as Error | undefined;
    throw new VerifyApprovalError(`cannot fetch the key set from ${url}: ${cause?.message ?? (error as Error).message} (is the server running? pass --jwks with a saved copy to check offline)`);
  }
  if (!response.ok) throw new VerifyApprovalError(`cannot fetch the key set from ${url}: HTTP ${response.status}`);
  const text = await response.text();
  if (text.length > inputBytesMax) throw new VerifyApprovalError(`the key set at ${url} is larger than ${inputBytesMax} bytes`);
  return text;
}

/** The key set named by --jwks (a file, or an http(s) URL), else the default server's. */
export async function loadJwks(source: string | undefined, env: NodeJS.ProcessEnv): Promise<{ jwks: ApprovalJwks; from: string }> {
  const from = source ?? defaultJwksUrl(env);
  const text = /^https?:\/\//i.test(from) ? await fetchJwks(from) : readSmallFile(from, 'key set');
  let jwks: unknown;
  try {
    jwks = JSON.parse(text);
  } catch {
    throw new VerifyApprovalError(`the key set ${from} is not JSON`);
  }
  return { jwks: jwks as ApprovalJwks, from };
}

function decidedByText(decidedBy: ApprovalRecordPayload['decidedBy']): string {
  if (decidedBy.type === 'apiKey') return `API key ${decidedBy.id}`;
  if (decidedBy.type === 'cardholder') return `cardholder ${decidedBy.userId}`;
  return 'nobody: the approval timed out';
}

/** The verified terms, one per line. */
export function describeApprovalRecord(payload: ApprovalRecordPayload): string[] {
  const rows: Array<[string, string]> = [
    ['record', payload.jti],
    ['decision', payload.decision],
    ['method', payload.method],
    ['intent', payload.intent.id],
    ['amount', `${(payload.intent.amount / 100).toFixed(2)} ${payload.intent.currency} (${payload.intent.amount} cents)`],
    ['merchant', payload.intent.merchantText],
    ['summary', payload.intent.summary],
    ['decided at', payload.decidedAt],
    ['decided by', decidedByText(payload.decidedBy)],
    ['reason', payload.reason ?? '—'],
    ['passkey', payload.webauthn === null ? '—' : `credential ${payload.webauthn.credentialId} (its assertion is in the signed record)`],
    ['card', payload.intent.cardId],
    ['agent', payload.intent.agentId],
    ['cardholder', payload.intent.userId],
    ['organization', `${payload.organizationId} (${payload.environment})`],
  ];
  return rows.map(([label, value]) => `  ${label.padEnd(13)}${value}`);
}

export function registerVerifyApprovalCommand(program: Command): void {
  program
    .command('verify-approval <file>')
    .description(
      'Check a saved approval record (the JSON of GET /v1/intents/{id}/approval, or its JWS) against the deployment’s public keys and print the terms it proves; exits 1 if it is not valid',
    )
    .option('--jwks <file-or-url>', `the public key set: a saved copy of ${approvalJwksPath} or its URL (default: CARDRAIL_URL, else the local server, ${approvalJwksPath})`)
    .action(async (file: string, options: { jwks?: string }) => {
      const record = readSmallFile(file, 'record');
      const { jwks, from } = await loadJwks(options.jwks, process.env);
      let payload: ApprovalRecordPayload;
      try {
        payload = await verifyApprovalRecord(record, jwks);
      } catch (error) {
        if (!(error instanceof ApprovalRecordVerificationError)) throw error;
        // A key set that cannot verify anything says nothing about the record.
        if (error.code === 'invalid_jwks') throw new VerifyApprovalError(`the key set ${from} cannot be used: ${error.message}`);
        process.stderr.write(`approval record NOT valid: ${error.message}\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(`approval record valid: signed by the deployment's key (from ${from})\n${describeApprovalRecord(payload).join('\n')}\n`);
    });
}
