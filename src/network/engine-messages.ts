// What the main thread and the authorization engine's thread (engine-thread.ts, engine-worker.ts) say to each other.
// Messages are structured clones: transactions are plain data; errors travel as their catalogue code or message.
import { AppError, isAppError, type ErrorCode } from '../domain/errors.js';
import type { Scope } from '../domain/scope.js';
import type { VaultSecrets } from '../modules/cards/vault.js';
import type { Transaction } from '../modules/transactions/service.js';
import type { AuthorizationRequest } from './authorize.js';

export interface EngineWorkerData {
  path: string;
  /** The main thread's id sequence (src/domain/ids.ts): ids made in one millisecond sort in creation order across threads. */
  idSequence: SharedArrayBuffer;
  secrets: VaultSecrets;
  settlementDelayMs: number;
}

export interface EngineJob {
  id: number;
  scope: Scope;
  request: AuthorizationRequest;
  nowMs: number;
}

export type ToEngine = { type: 'authorize'; jobs: EngineJob[] } | { type: 'close' };

export type SerializedError = { appError: { code: ErrorCode; message: string; param: string | undefined; headers: Record<string, string> } } | { message: string; stack: string | undefined };

export type EngineAnswer = { id: number; transaction: Transaction } | { id: number; error: SerializedError };

export type FromEngine = { type: 'ready' } | { type: 'answers'; answers: EngineAnswer[]; committed: boolean } | { type: 'closed' };

export function serializeEngineError(error: unknown): SerializedError {
  if (isAppError(error)) return { appError: { code: error.code, message: error.message, param: error.param, headers: error.headers } };
  return error instanceof Error ? { message: error.message, stack: error.stack } : { message: String(error), stack: undefined };
}

/** The error as the main thread throws it: an AppError keeps its code (and so its HTTP answer). */
export function deserializeEngineError(serialized: SerializedError): Error {
  if ('appError' in serialized) {
    const { code, message, param, headers } = serialized.appError;
    const error = new AppError(code, param === undefined ? {} : { param }, headers);
    error.message = message;
    return error;
  }
  const error = new Error(`authorization engine thread: ${serialized.message}`);
  if (serialized.stack !== undefined) error.stack = `${error.message}\n--- in the engine thread ---\n${serialized.stack}`;
  return error;
}
