// Stored transactions in bulk, for the list and memory figures: rows as the card network would have written them over
// the last 90 days on the population's cards, inserted with the product's own writer (`insertTransactions`: the
// multi-row insert and the agents' daily activity) in a few large database transactions instead of one authorization
// at a time. Ids are time-ordered (`newId` with the row's creation time), so every index holds what it would hold.
import { authorizationLifetimeMs, settlementDueMs, type DeclineCode } from '../../src/domain/authorization.js';
import { normalizeMerchantName } from '../../src/domain/merchants.js';
import { merchantOf, newTransaction } from '../../src/network/authorize.js';
import type { Transaction, TransactionStatus } from '../../src/modules/transactions/service.js';
import { insertTransactions } from '../../src/modules/transactions/store.js';
import type { Database } from '../../src/store/database.js';
import type { BenchCard, Population } from './population.js';
import { seededRandom } from './random.js';

const dayMs = 86_400_000;
/** The rows' creation times cover this much history before `nowMs`. */
const historyMs = 90 * dayMs;
/** Approvals younger than this are still pending: the oldest pending one settles at least half a day after `nowMs`. */
const pendingAgeMs = dayMs / 2;
/** Rows per `insertTransactions` call (a call's agent-day upsert stays far below SQLite's parameter bound). */
const rowsPerInsert = 10_000;
/** Rows per database transaction. */
const rowsPerTransaction = 100_000;
const declineReasons: DeclineCode[] = ['insufficient_funds', 'exceeds_max_amount', 'card_limit_exceeded', 'blocked_merchant', 'risk_declined', 'card_frozen'];

export interface TransactionFill {
  /** Rows stored so far. */
  readonly stored: number;
  /**
   * Inserts rows until `total` are stored, or stops after the database transaction during which `deadlineMs`
   * (performance.now()) passes; `onProgress` is called after each database transaction.
   */
  fillTo(total: number, deadlineMs: number, onProgress: (stored: number) => void): Promise<void>;
}

/**
 * Users are chosen with Zipf weights — the i-th of `population.userIds` (from 0) with weight 1 / (i + 1), so the
 * first has about a fifth of all rows, as one busy agent among quiet ones would — then one of their cards uniformly.
 * Every call of `fillTo` spreads its rows over the same 90 days, so later rows interleave with earlier ones in every
 * index, as a growing history would.
 */
export function transactionFill(db: Database, population: Population, nowMs: number, seed: number): TransactionFill {
  const random = seededRandom(seed);
  const cardsByUser = population.userIds.map((userId) => population.cards.filter((card) => card.userId === userId));
  const cumulativeWeights: number[] = [];
  let weightTotal = 0;
  for (let rank = 0; rank < cardsByUser.length; rank += 1) cumulativeWeights.push((weightTotal += 1 / (rank + 1)));
  const pickCard = (): BenchCard => {
    const draw = random() * weightTotal;
    // random() < 1, so the draw is below the last cumulative weight.
    const cards = cardsByUser[cumulativeWeights.findIndex((weight) => weight > draw)]!;
    return cards[Math.floor(random() * cards.length)]!;
  };
  const normalizedNames = new Map(population.cards.map((card) => [card.merchant, normalizeMerchantName(card.merchant)]));
  let stored = 0;
  return {
    get stored() {
      return stored;
    },
    async fillTo(total, deadlineMs, onProgress) {
      const count = total - stored;
      const startMs = nowMs - historyMs;
      for (let first = 0; first < count && performance.now() < deadlineMs; first += rowsPerTransaction) {
        const rows = Math.min(rowsPerTransaction, count - first);
        await db.transaction(async (tx) => {
          for (let offset = 0; offset < rows; offset += rowsPerInsert) {
            const batch = Array.from({ length: Math.min(rowsPerInsert, rows - offset) }, (_, index) => {
              // Evenly spread over the 90 days with jitter, in creation order.
              const createdAtMs = Math.floor(startMs + ((first + offset + index + random()) * historyMs) / count);
              const card = pickCard();
              return { scope: population.scope, transaction: storedTransaction(card, normalizedNames.get(card.merchant)!, createdAtMs, nowMs, random) };
            });
            await insertTransactions(tx, batch);
          }
        });
        stored += rows;
        onProgress(stored);
      }
    },
  };
}

/** One row: 10 % declined; approvals pending while young, else 92 % settled, 5 % voided, 3 % refunded. */
function storedTransaction(card: BenchCard, normalizedName: string, createdAtMs: number, nowMs: number, random: () => number): Transaction {
  const amountCents = 100 + Math.floor(random() * 4_900);
  const outcome = random();
  // An authorization's transaction as the network builds it, at the fill's time and on the fill's card.
  const request = { amountCents, currency: 'USD', merchant: { name: card.merchant } };
  const base: Transaction = {
    ...newTransaction(createdAtMs, merchantOf(request), request, undefined),
    merchant: { name: card.merchant, normalizedName, mcc: null, category: null, city: null, country: null, id: null },
    cardId: card.id,
    agentId: card.agentId,
    userId: card.userId,
  };
  if (outcome < 0.1) {
    const declineReason = declineReasons[Math.floor(random() * declineReasons.length)]!;
    return { ...base, declineReason, declineDetail: `declined: ${declineReason.replaceAll('_', ' ')}` };
  }
  const settleAtMs = settlementDueMs(createdAtMs, dayMs);
  const approved: Transaction = { ...base, status: 'pending', authorizedAmountCents: amountCents, settleAtMs, expiresAtMs: createdAtMs + authorizationLifetimeMs };
  if (nowMs - createdAtMs < pendingAgeMs) return approved;
  const status: TransactionStatus = outcome < 0.928 ? 'settled' : outcome < 0.973 ? 'voided' : 'refunded';
  if (status === 'voided') {
    const voidedAtMs = createdAtMs + Math.floor(random() * dayMs);
    return { ...approved, status, voidedAtMs, updatedAtMs: voidedAtMs };
  }
  const settled: Transaction = { ...approved, status, settledAmountCents: amountCents, settledAtMs: settleAtMs, updatedAtMs: settleAtMs };
  return status === 'refunded' ? { ...settled, refundedAmountCents: amountCents, refundCount: 1, updatedAtMs: settleAtMs + dayMs } : settled;
}
