// Arranging benchmark data through the services (not raw SQL), so every row, balance and event is what the API
// would have produced: an organization, approved and funded users, one agent each, multi-use cards.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { externalAccountId, userAccountId } from '../../src/ledger/accounts.js';
import { postTransfers } from '../../src/ledger/transfers.js';
import { registerAgent } from '../../src/modules/agents/service.js';
import { createCard } from '../../src/modules/cards/service.js';
import { decryptPan, deriveCvv } from '../../src/modules/cards/vault.js';
import { initializeOrganization } from '../../src/modules/organizations/bootstrap.js';
import type { Scope } from '../../src/domain/scope.js';
import { createUser, setApplicationStatus } from '../../src/modules/users/service.js';
import type { Secrets } from '../../src/secrets.js';
import { migrate } from '../../src/store/migrate.js';
import { recordUserBalanceUpdates } from '../../src/modules/users/balance-events.js';
import { SqliteDatabase } from '../../src/store/sqlite/database.js';
import type { Database } from '../../src/store/database.js';

/** Descriptors as card networks send them; each card is used at one of them (its pinned merchant). */
export const merchantDescriptors = [
  'AMZN Mktp US*2K4TY7',
  'UBER *TRIP HELP.UBER.COM',
  'OPENAI *CHATGPT SUBSCR',
  'GOOGLE *CLOUD 7XQ2',
  'DOORDASH*BURGER PLACE',
  'SQ *BLUE BOTTLE COFFEE',
  'AIRBNB * HM3XK2P',
  'NETFLIX.COM',
  'SPOTIFY USA',
  'WALMART.COM 8009256278',
  'DELTA AIR 0062345',
  'GITHUB, INC.',
];

export interface BenchCard {
  id: string;
  userId: string;
  agentId: string;
  pan: string;
  cvv: string;
  expirationMonth: string;
  expirationYear: string;
  merchant: string;
}

export interface Population {
  scope: Scope;
  sandboxKey: string;
  userIds: string[];
  cards: BenchCard[];
}

export interface PopulationOptions {
  users: number;
  cardsPerUser: number;
  /** Deposited to each user before the cards reserve their maxAmount. */
  fundsPerUserCents: number;
  cardMaxAmountCents: number;
  nowMs: number;
  /** Users arranged concurrently (their transactions share group commits). */
  concurrency?: number;
}

export function benchSecrets(): Secrets {
  return { hdSeed: new Uint8Array(randomBytes(64)), masterKey: new Uint8Array(randomBytes(32)) };
}

export interface TempDatabase {
  db: SqliteDatabase;
  directory: string;
  path: string;
  dispose(): Promise<void>;
}

/** A fresh, migrated SQLite file (WAL, synchronous=FULL, group commit: the production settings) in a temp directory. */
export async function openTempDatabase(label: string): Promise<TempDatabase> {
  const directory = mkdtempSync(join(tmpdir(), `cardrail-bench-${label}-`));
  const path = join(directory, 'cardrail.db');
  const db = new SqliteDatabase(path);
  await migrate(db, Date.now());
  // As src/app.ts wires it: every transaction that moves a balance records user.balance.updated, so the engine's
  // figures include what an authorization costs in the server.
  db.addCommitStep(recordUserBalanceUpdates);
  return {
    db,
    directory,
    path,
    async dispose() {
      await db.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

let fundingSequence = 0;

async function arrangeUser(db: Database, scope: Scope, secrets: Secrets, options: PopulationOptions, userIndex: number): Promise<{ userId: string; cards: BenchCard[] }> {
  const { nowMs } = options;
  return db.transaction(async (tx) => {
    const created = await createUser(tx, scope, { firstName: 'Bench', lastName: `User ${userIndex}`, email: `bench${userIndex}@example.com` }, nowMs);
    await setApplicationStatus(tx, scope, created, 'approved', null, nowMs);
    fundingSequence += 1;
    await postTransfers(
      tx,
      scope,
      [
        {
          debitAccount: externalAccountId(scope, 'external:deposits'),
          creditAccount: userAccountId(created.id, 'available'),
          amountCents: options.fundsPerUserCents,
          kind: 'deposit.credit',
          reference: `bench_funding_${fundingSequence}`,
        },
      ],
      nowMs,
    );
    const { agent } = await registerAgent(tx, scope, { userId: created.id, name: `shopping agent ${userIndex}` }, nowMs);
    const cards: BenchCard[] = [];
    for (let cardIndex = 0; cardIndex < options.cardsPerUser; cardIndex += 1) {
      const card = await createCard(
        tx,
        scope,
        secrets,
        agent.id,
        { purpose: 'benchmark purchases', type: 'multi', maxAmount: options.cardMaxAmountCents, onDrift: 'alert', onLimitExceeded: 'decline' },
        nowMs,
      );
      const pan = decryptPan(secrets, card.panCiphertext);
      cards.push({
        id: card.id,
        userId: created.id,
        agentId: agent.id,
        pan,
        cvv: deriveCvv(secrets, pan, card.expirationMonth, card.expirationYear),
        expirationMonth: String(card.expirationMonth).padStart(2, '0'),
        expirationYear: String(card.expirationYear),
        merchant: merchantDescriptors[(userIndex * options.cardsPerUser + cardIndex) % merchantDescriptors.length]!,
      });
    }
    return { userId: created.id, cards };
  });
}

/** An organization (its sandbox scope) with `users` approved, funded users, one agent each and their cards. */
export async function arrangePopulation(db: Database, secrets: Secrets, options: PopulationOptions): Promise<Population> {
  const { organization, sandboxKey } = await initializeOrganization(db, 'Benchmark organization', options.nowMs);
  const scope: Scope = { organizationId: organization.id, environment: 'sandbox' };
  const userIds: string[] = [];
  const cards: BenchCard[] = [];
  const concurrency = options.concurrency ?? 64;
  for (let first = 0; first < options.users; first += concurrency) {
    const chunk = Array.from({ length: Math.min(concurrency, options.users - first) }, (_, offset) => arrangeUser(db, scope, secrets, options, first + offset));
    for (const arranged of await Promise.all(chunk)) {
      userIds.push(arranged.userId);
      cards.push(...arranged.cards);
    }
  }
  return { scope, sandboxKey, userIds, cards };
}
