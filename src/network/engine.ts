// The authorization engine: authorizations submitted while the event loop turns are decided together, as one batch
// in one database transaction (src/network/authorize.ts `authorizeBatch`), and each caller is answered once the
// batch has committed — never before its decision is durable. One batch is decided at a time: those that arrive
// meanwhile wait and form the next one, so batches grow with the load. (On PostgreSQL a batch waits on network round
// trips, during which the event loop reads each request in a turn of its own: batches started every turn would each
// hold one authorization.) Should a batch fail (an invariant check, a lost PostgreSQL lock), each of its
// authorizations is decided again alone, so one cannot fail the others.
import type { Transaction } from '../modules/transactions/service.js';
import type { Scope } from '../domain/scope.js';
import type { Database } from '../store/database.js';
import { authorize, authorizeBatch, type AuthorizationItem, type AuthorizationRequest, type NetworkSettings } from './authorize.js';

interface Waiting {
  item: AuthorizationItem;
  resolve: (transaction: Transaction) => void;
  reject: (error: unknown) => void;
}

export interface EngineOptions {
  /** Largest number of authorizations decided in one batch. */
  batchMax?: number;
}

/** What the card network routes hand authorizations to: this engine in the thread, or a thread of its own (engine-thread.ts). */
export interface Authorizer {
  authorize(scope: Scope, request: AuthorizationRequest, nowMs: number): Promise<Transaction>;
  /** Answers every authorization already submitted, then lets go of what it holds. */
  close(): Promise<void>;
}

export class AuthorizationEngine implements Authorizer {
  private waiting: Waiting[] = [];
  private scheduled = false;
  private deciding = false;
  private readonly batchMax: number;

  constructor(
    private readonly db: Database,
    private readonly settings: NetworkSettings,
    options: EngineOptions = {},
  ) {
    this.batchMax = options.batchMax ?? 256;
  }

  /** Decides the authorization with the others submitted in this turn of the event loop; answers after the commit. */
  authorize(scope: Scope, request: AuthorizationRequest, nowMs: number): Promise<Transaction> {
    return new Promise<Transaction>((resolve, reject) => {
      this.waiting.push({ item: { scope, request, nowMs }, resolve, reject });
      this.schedule();
    });
  }

  async close(): Promise<void> {
    while (this.scheduled || this.deciding || this.waiting.length > 0) await new Promise((resolve) => setTimeout(resolve, 1));
  }

  private schedule(): void {
    if (this.scheduled || this.deciding || this.waiting.length === 0) return;
    this.scheduled = true;
    // The next turn, not now: every request whose bytes arrived in this turn joins the batch first.
    setImmediate(() => void this.next());
  }

  private async next(): Promise<void> {
    this.scheduled = false;
    this.deciding = true;
    try {
      await this.decide(this.waiting.splice(0, this.batchMax));
    } finally {
      this.deciding = false;
      this.schedule();
    }
  }

  private async decide(batch: Waiting[]): Promise<void> {
    let transactions: Transaction[];
    try {
      transactions = await this.db.transaction((tx) => authorizeBatch(tx, this.settings, batch.map((waiting) => waiting.item)));
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      await Promise.all(batch.map((waiting) => this.decideAlone(waiting)));
      return;
    }
    batch.forEach((waiting, index) => waiting.resolve(transactions[index]!));
  }

  private async decideAlone(waiting: Waiting): Promise<void> {
    const { scope, request, nowMs } = waiting.item;
    try {
      waiting.resolve(await this.db.transaction((tx) => authorize(tx, scope, this.settings, request, nowMs)));
    } catch (error) {
      waiting.reject(error);
    }
  }
}
