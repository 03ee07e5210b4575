// Idempotency-Key (SPEC §3). A request claims its key in a short transaction of its own (state `processing`), so a
// twin arriving meanwhile answers 409; the response is then stored in the same transaction as the effect. A failed
// request releases its claim so that a retry runs again. A claim left by a crashed process lapses after a minute, or
// at once when the server restarts on SQLite (served by one process, so no claim found at start is in flight).
import { createHash } from 'node:crypto';
import { AppError } from '../domain/errors.js';
import { forUpdate, type Database, type Sql } from '../store/database.js';
import type { Scope } from '../domain/scope.js';

export const idempotencyLockMs = 60_000;
const maxKeyLength = 255;

export interface IdempotencyRequest {
  scope: Scope;
  key: string;
  method: string;
  path: string;
  fingerprint: string;
}

export type ClaimOutcome = { kind: 'claimed' } | { kind: 'replay'; statusCode: number; body: string };

interface IdempotencyRow {
  fingerprint: string;
  method: string;
  path: string;
  state: 'processing' | 'completed';
  status_code: number | null;
  response_body: string | null;
  locked_until: number;
}

export function readIdempotencyKey(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return undefined;
  if (value.length === 0 || value.length > maxKeyLength || !/^[\x20-\x7e]+$/.test(value)) throw new AppError('invalid_idempotency_key', { param: 'Idempotency-Key' });
  return value;
}

/** Same method, path and (canonically ordered) body give the same fingerprint. */
export function requestFingerprint(method: string, path: string, body: unknown): string {
  return createHash('sha256').update(`${method} ${path}\n${canonicalJson(body ?? null)}`).digest('hex');
}

/**
 * JSON with object keys sorted, written with an explicit stack rather than recursion, so that how deeply a body nests
 * cannot exhaust the call stack (the body parser bounds the depth as well).
 */
export function canonicalJson(value: unknown): string {
  const parts: string[] = [];
  // Each entry is either a value still to write or a piece of punctuation already decided.
  const pending: Array<{ value: unknown } | { text: string }> = [{ value }];
  while (pending.length > 0) {
    const next = pending.pop()!;
    if ('text' in next) {
      parts.push(next.text);
      continue;
    }
    const current = next.value;
    if (Array.isArray(current)) {
      const items: Array<{ value: unknown } | { text: string }> = [{ text: '[' }];
      current.forEach((item, index) => items.push(...(index === 0 ? [] : [{ text: ',' }]), { value: item === undefined ? null : item }));
      items.push({ text: ']' });
      for (let index = items.length - 1; index >= 0; index -= 1) pending.push(items[index]!);
    } else if (current !== null && typeof current === 'object') {
      const entries = Object.entries(current as Record<string, unknown>)
        .filter(([, item]) => item !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const items: Array<{ value: unknown } | { text: string }> = [{ text: '{' }];
      entries.forEach(([name, item], index) => items.push({ text: `${index === 0 ? '' : ','}${JSON.stringify(name)}:` }, { value: item }));
      items.push({ text: '}' });
      for (let index = items.length - 1; index >= 0; index -= 1) pending.push(items[index]!);
    } else {
      parts.push(JSON.stringify(current) ?? 'null');
    }
  }
  return parts.join('');
}

export async function claimIdempotencyKey(db: Database, request: IdempotencyRequest, wallClockMs: number): Promise<ClaimOutcome> {
  const { scope, key } = request;
  return db.transaction(async (tx) => {
    const inserted = await tx.run(
      `INSERT INTO idempotency_keys (organization_id, environment, idempotency_key, fingerprint, method, path, state, created_at, locked_until)
       VALUES (?, ?, ?, ?, ?, ?, 'processing', ?, ?) ON CONFLICT DO NOTHING`,
      [scope.organizationId, scope.environment, key, request.fingerprint, request.method, request.path, wallClockMs, wallClockMs + idempotencyLockMs],
    );
    if (inserted.changes === 1) return { kind: 'claimed' } as const;
    const existing = await tx.get<IdempotencyRow>(
      `SELECT fingerprint, method, path, state, status_code, response_body, locked_until FROM idempotency_keys
       WHERE organization_id = ? AND environment = ? AND idempotency_key = ?${forUpdate(tx)}`,
      [scope.organizationId, scope.environment, key],
    );
    if (existing === undefined) throw new AppError('idempotency_key_in_use'); // swept between the two statements
    if (existing.fingerprint !== request.fingerprint) throw new AppError('idempotency_key_reused', { method: existing.method, path: existing.path });
    if (existing.state === 'completed') return { kind: 'replay', statusCode: existing.status_code ?? 200, body: existing.response_body ?? '' } as const;
    if (existing.locked_until > wallClockMs) throw new AppError('idempotency_key_in_use');
    // The previous holder died mid-request without committing an effect: take the claim over.
    await tx.run('UPDATE idempotency_keys SET locked_until = ? WHERE organization_id = ? AND environment = ? AND idempotency_key = ?', [
      wallClockMs + idempotencyLockMs,
      scope.organizationId,
      scope.environment,
      key,
    ]);
    return { kind: 'claimed' } as const;
  });
}

/** Called inside the effect's transaction. */
export async function completeIdempotencyKey(tx: Sql, request: IdempotencyRequest, statusCode: number, body: string): Promise<void> {
  await tx.run(
    `UPDATE idempotency_keys SET state = 'completed', status_code = ?, response_body = ? WHERE organization_id = ? AND environment = ? AND idempotency_key = ?`,
    [statusCode, body, request.scope.organizationId, request.scope.environment, request.key],
  );
}

export async function releaseIdempotencyKey(db: Database, request: IdempotencyRequest): Promise<void> {
  await db.run(`DELETE FROM idempotency_keys WHERE organization_id = ? AND environment = ? AND idempotency_key = ? AND state = 'processing'`, [
    request.scope.organizationId,
    request.scope.environment,
    request.key,
  ]);
}

/** Deletes stored responses older than the retention (≥ 24 h). Returns how many were removed. */
export async function sweepIdempotencyKeys(db: Database, wallClockMs: number, retentionMs: number): Promise<number> {
  const result = await db.run('DELETE FROM idempotency_keys WHERE created_at < ?', [wallClockMs - retentionMs]);
  return result.changes;
}

/**
 * For a store only this process serves (SQLite, docs/scaling.md), at start: every claim still `processing` was left by
 * a process that ended mid-request, and its effect never committed (the stored response commits with it). Such claims
 * lapse now, so a client's retry with the same key runs the request instead of answering `idempotency_key_in_use` for
 * a minute about a request nobody is processing. Returns how many lapsed.
 */
export async function lapseClaimsOfEndedProcess(db: Database): Promise<number> {
  const result = await db.run(`UPDATE idempotency_keys SET locked_until = 0 WHERE state = 'processing' AND locked_until > 0`);
  return result.changes;
}
