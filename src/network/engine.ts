// The authorization engine: authorizations submitted while the event loop turns are decided together, as one batch
// in one database transaction (src/network/authorize.ts `authorizeBatch`), and each caller is answered once the
// batch has committed — never before its decision is durable. Batches queue behind each other on the database,
// which commits those waiting together. Should a batch fail (an invariant check, a lost PostgreSQL lock), each of its
// authorizations is decided again alone, so one cannot fail the others.
import type { Transaction } from '../modules/transactions/service.js';
import type { Scope } from '../modules/scope.js';
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

export class AuthorizationEngine {
  private waiting: Waiting[] = [];
  private scheduled = false;
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
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.start());
      }
    });
  }

  private start(): void {
    this.scheduled = false;
    const waiting = this.waiting;
    this.waiting = [];
    for (let index = 0; index < waiting.length; index += this.batchMax) void this.decide(waiting.slice(index, index + this.batchMax));
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
