// The authorization engine on a thread of its own (SQLite files): the batch's reads, decisions, writes and the commit
// run on the other core while this thread parses, validates and answers HTTP. The engine thread (engine-worker.ts) has
// its own connection to the database file; SQLite's write lock orders its transactions with this thread's. Each
// authorization is answered once the engine thread has committed it, as in process.
import { Worker } from 'node:worker_threads';
import { idSequenceMemory } from '../domain/ids.js';
import type { Scope } from '../domain/scope.js';
import type { Transaction } from '../modules/transactions/service.js';
import type { SqliteDatabase } from '../store/sqlite/database.js';
import type { AuthorizationRequest, NetworkSettings } from './authorize.js';
import type { Authorizer } from './engine.js';
import { deserializeEngineError, type EngineJob, type EngineWorkerData, type FromEngine, type ToEngine } from './engine-messages.js';

/** The worker's module next to this one: .js when built; from the sources, .ts loaded through tsx in the thread. */
function startWorker(workerData: EngineWorkerData): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./engine-worker.js', import.meta.url), { workerData });
  const source = JSON.stringify(new URL('./engine-worker.ts', import.meta.url).href);
  return new Worker(`import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${source}); });`, { eval: true, workerData });
}

interface Pending {
  resolve: (transaction: Transaction) => void;
  reject: (error: unknown) => void;
}

export class ThreadedAuthorizationEngine implements Authorizer {
  /** Started by `start` (a serving process) or else by the first authorization (a test that never authorizes does not pay for it). */
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private outbox: EngineJob[] = [];
  private outboxScheduled = false;
  private nextId = 1;
  /** Set when the thread has stopped (closed, or failed): every authorization from then on fails with it. */
  private stopped: Error | undefined;
  private closed: Promise<void> = Promise.resolve();
  private ready: Promise<void> = Promise.resolve();
  /** While closing, the thread keeps the process alive until it has said it closed, whatever is still pending. */
  private closing = false;

  /** No `followAgentStatus` in `settings`: a function cannot cross to the thread, which wires its own (engine-worker.ts). */
  constructor(
    private readonly db: SqliteDatabase,
    private readonly settings: Omit<NetworkSettings, 'followAgentStatus'>,
  ) {}

  /** Starts the thread now rather than with the first authorization, and waits until it is ready to decide. */
  async start(): Promise<void> {
    if (this.stopped !== undefined) throw this.stopped;
    if (this.worker === undefined) this.startWorker();
    await this.ready;
  }

  authorize(scope: Scope, request: AuthorizationRequest, nowMs: number): Promise<Transaction> {
    if (this.stopped !== undefined) return Promise.reject(this.stopped);
    const worker = this.worker ?? this.startWorker();
    return new Promise<Transaction>((resolve, reject) => {
      const id = this.nextId;
      this.nextId += 1;
      this.pending.set(id, { resolve, reject });
      worker.ref();
      this.outbox.push({ id, scope, request, nowMs });
      if (this.outboxScheduled) return;
      // The authorizations of one turn of the event loop travel in one message (queued by Node until the thread runs).
      this.outboxScheduled = true;
      setImmediate(() => {
        this.outboxScheduled = false;
        const jobs = this.outbox;
        this.outbox = [];
        worker.postMessage({ type: 'authorize', jobs } satisfies ToEngine);
      });
    });
  }

  /** Lets the thread answer what it was given, then closes its connection and ends it. */
  async close(): Promise<void> {
    const { worker } = this;
    if (worker === undefined || this.stopped !== undefined) {
      this.stopped ??= new Error('the authorization engine is closed');
      return;
    }
    this.closing = true;
    worker.ref();
    // After any authorizations still in the outbox: messages arrive in order.
    setImmediate(() => worker.postMessage({ type: 'close' } satisfies ToEngine));
    await this.closed;
    this.stop(new Error('the authorization engine is closed'));
    await worker.terminate();
  }

  private startWorker(): Worker {
    const { db, settings } = this;
    const worker = startWorker({ path: db.location, idSequence: idSequenceMemory(), secrets: { masterKey: settings.secrets.masterKey }, settlementDelayMs: settings.settlementDelayMs });
    this.worker = worker;
    worker.unref();
    let closedWith: () => void = () => {};
    this.closed = new Promise((resolve) => (closedWith = resolve));
    let readyWith: (error?: Error) => void = () => {};
    this.ready = new Promise((resolve, reject) => (readyWith = (error) => (error === undefined ? resolve() : reject(error))));
    this.ready.catch(() => {}); // its failure also reaches every pending authorization
    worker.on('message', (message: FromEngine) => {
      if (message.type === 'ready') {
        readyWith();
        return;
      }
      if (message.type === 'closed') {
        closedWith();
        return;
      }
      for (const answer of message.answers) {
        const pending = this.pending.get(answer.id);
        if (pending === undefined) continue;
        this.pending.delete(answer.id);
        if ('transaction' in answer) pending.resolve(answer.transaction);
        else pending.reject(deserializeEngineError(answer.error));
      }
      if (message.committed) db.announceCommit();
      if (this.pending.size === 0 && !this.closing) worker.unref();
    });
    worker.on('error', (error) => {
      this.stop(new Error(`the authorization engine thread failed: ${error.message}`, { cause: error }));
      readyWith(this.stopped);
    });
    worker.on('exit', (code) => {
      this.stop(new Error(`the authorization engine thread exited (code ${code})`));
      readyWith(this.stopped);
      closedWith();
    });
    return worker;
  }

  private stop(error: Error): void {
    if (this.stopped !== undefined) return;
    this.stopped = error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}
