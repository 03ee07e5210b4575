// Random sequences of money operations against a simple reference model, on both stores: after every step the
// balances equal the model's and every SPEC §5 invariant holds (verifyLedger).
//
// Operations: deposits (which repay debt first), withdrawals and their outcomes, and the card network — card
// creation (reserving maxAmount), authorizations, clearings for less, the same or more than authorized (more draws
// the card's reservation, then available, then debt), voids, partial and full refunds, incremental authorizations,
// force posts, closing cards — and advancing the clock, which completes deposits, closes expired cards, settles due
// authorizations and expires those left uncleared for 7 days. The model is SPEC §5 as src/network implements it
// (where the SPEC leaves a choice, e.g. a voided single-use card reserving its maxAmount again, the implementation's);
// agent and card spending limits stay off here (test/network/concurrency.test.ts covers them). Risk: each run has the
// default rules or unattestedSpend alone with one action (it fires on every authorization, as no intent is declared),
// so declines, card freezes and agent suspensions that freeze all the agent's cards are in the model, with unfreezing
// and reactivation.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { isAppError } from '../../src/domain/errors.js';
import { readUserBalances } from '../../src/ledger/balances.js';
import { verifyLedger } from '../../src/ledger/verify.js';
import { riskActions, riskRuleNames, type RiskAction } from '../../src/domain/risk-rules.js';
import { activateAgent, registerAgent } from '../../src/modules/agents/service.js';
import { createCardBody } from '../../src/modules/cards/schemas.js';
import { cardsFollowAgentStatus, closeCard, createCard, systemActor, unfreezeCard } from '../../src/modules/cards/service.js';
import { observeDeposit } from '../../src/modules/funding/service.js';
import { initializeOrganization } from '../../src/modules/organizations/bootstrap.js';
import { updateOrganizationRiskSettings } from '../../src/modules/risk/settings.js';
import type { Scope } from '../../src/domain/scope.js';
import { applyWithdrawalOutcome, createWithdrawal } from '../../src/modules/withdrawals/service.js';
import { authorize } from '../../src/network/authorize.js';
import { clearTransaction } from '../../src/network/clear.js';
import { forcePost } from '../../src/network/force-post.js';
import { incrementAuthorization } from '../../src/network/increment.js';
import { refundTransaction } from '../../src/network/refund.js';
import { voidTransaction } from '../../src/network/void.js';
import { testSecrets } from '../../src/secrets.js';
import { runDueWork } from '../../src/modules/due-work-steps.js';
import { createApprovedUser } from '../helpers/money.js';
import { openTestDatabase, storeKinds, type TestDatabase } from '../helpers/stores.js';

type Command =
  | { kind: 'deposit'; user: number; cents: number; extraBaseUnits: number; confirmed: boolean; supported: boolean; repeatOf: number | null }
  | { kind: 'advance'; hours: number }
  | { kind: 'withdraw'; user: number; cents: number }
  | { kind: 'outcome'; withdrawal: number; outcome: 'submit' | 'confirm' | 'fail' }
  | { kind: 'createCard'; user: number; type: 'single' | 'multi'; maxAmount: number; expiresInMinutes: number | null }
  | { kind: 'authorize'; card: Target; cents: Amount }
  | { kind: 'clear'; transaction: Target; mode: 'default' | 'equal' | 'less' | 'more'; delta: number }
  | { kind: 'void'; transaction: Target }
  | { kind: 'refund'; transaction: Target; cents: number | null }
  | { kind: 'increment'; transaction: Target; cents: number }
  | { kind: 'forcePost'; card: Target; cents: number }
  | { kind: 'closeCard'; card: Target }
  | { kind: 'unfreezeCard'; card: Target }
  | { kind: 'activateAgent'; user: number };

/**
 * Which card or transaction a command acts on: mostly one it can act on (a usable card, a pending or settled
 * transaction), else any at all, so the refusals (closed card, wrong status) are exercised too. The index is taken
 * modulo the number of candidates; with none, the command does nothing.
 */
interface Target {
  fitting: boolean;
  index: number;
}

/** An authorization's amount: a share of the card's maxAmount (per mille, above 1000 is over it), or absolute cents. */
type Amount = { perMille: number } | { cents: number };

const userCount = 3;
const hourMs = 3_600_000;
const dayMs = 24 * hourMs;
const authorizationLifetimeMs = 7 * dayMs;

const targetArbitrary: fc.Arbitrary<Target> = fc.record({ fitting: fc.integer({ min: 0, max: 9 }).map((value) => value < 8), index: fc.nat(40) });

const commandArbitrary: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('deposit' as const),
      user: fc.nat(userCount - 1),
      cents: fc.integer({ min: 0, max: 50_000 }),
      extraBaseUnits: fc.integer({ min: 0, max: 9_999 }),
      confirmed: fc.boolean(),
      supported: fc.integer({ min: 0, max: 9 }).map((value) => value < 8),
      repeatOf: fc.option(fc.nat(10), { nil: null }),
    }),
  },
  // 1 h completes deposits; 30 h passes a one-business-day settlement (not over a weekend); 8 days expires what is left.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('advance' as const), hours: fc.constantFrom(1, 30, 8 * 24) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('withdraw' as const), user: fc.nat(userCount - 1), cents: fc.integer({ min: 1, max: 40_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('outcome' as const), withdrawal: fc.nat(10), outcome: fc.constantFrom('submit' as const, 'confirm' as const, 'fail' as const) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('createCard' as const),
      user: fc.nat(userCount - 1),
      type: fc.constantFrom('single' as const, 'multi' as const),
      maxAmount: fc.integer({ min: 1, max: 20_000 }),
      expiresInMinutes: fc.oneof({ weight: 4, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom(1, 90, 3_000) }),
    }),
  },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('authorize' as const),
      card: targetArbitrary,
      cents: fc.oneof(
        { weight: 4, arbitrary: fc.record({ perMille: fc.integer({ min: 1, max: 1_100 }) }) },
        { weight: 1, arbitrary: fc.record({ cents: fc.integer({ min: 1, max: 30_000 }) }) },
      ),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('clear' as const),
      transaction: targetArbitrary,
      mode: fc.constantFrom('default' as const, 'equal' as const, 'less' as const, 'more' as const),
      delta: fc.integer({ min: 1, max: 40_000 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('void' as const), transaction: targetArbitrary }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('refund' as const), transaction: targetArbitrary, cents: fc.option(fc.integer({ min: 1, max: 30_000 }), { nil: null }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('increment' as const), transaction: targetArbitrary, cents: fc.integer({ min: 1, max: 10_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('forcePost' as const), card: targetArbitrary, cents: fc.integer({ min: 1, max: 30_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('closeCard' as const), card: targetArbitrary }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unfreezeCard' as const), card: targetArbitrary }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('activateAgent' as const), user: fc.nat(userCount - 1) }) },
);

/** No scheduled settlement (authorizations only expire), or the default of one business day. */
const settlementDelayArbitrary = fc.constantFrom(0, dayMs);
/**
 * The organization's risk settings for a run: the default (moderate: alerts only), or unattestedSpend alone with an
 * action — it fires on every authorization here (no intents are declared), so the model knows when it acts.
 */
type RiskMode = { action: RiskAction; dryRun: boolean } | null;
const riskModeArbitrary: fc.Arbitrary<RiskMode> = fc.oneof(
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 3, arbitrary: fc.record({ action: fc.constantFrom(...riskActions), dryRun: fc.integer({ min: 0, max: 3 }).map((value) => value === 0) }) },
);

/** Each user's confirmed deposit before the commands, so cards and authorizations have money to work with. */
const openingDepositsArbitrary = fc.array(fc.integer({ min: 0, max: 80_000 }), { minLength: userCount, maxLength: userCount });

interface ModelUser {
  available: number;
  reserved: number;
  held: number;
  debt: number;
}

interface ModelWithdrawal {
  id: string;
  user: number;
  cents: number;
  status: 'pending' | 'submitted' | 'confirmed' | 'failed';
}

interface ModelCard {
  id: string;
  user: number;
  type: 'single' | 'multi';
  maxAmount: number;
  reservation: number;
  status: 'active' | 'closed';
  /** Frozen by a risk rule's freeze_card, or by its agent's suspension (which activation undoes). */
  frozen: false | 'risk' | 'agent';
  singleUseConsumed: boolean;
  expiresAtMs: number | null;
}

interface ModelTransaction {
  id: string;
  card: ModelCard;
  status: 'pending' | 'settled' | 'refunded' | 'voided' | 'declined';
  amount: number;
  settled: number;
  refunded: number;
  settleAtMs: number | null;
  expiresAtMs: number | null;
}

/** When an authorization settles on its own (SPEC §4: after the delay, a business day by default): Saturdays and Sundays (UTC) are skipped. */
function settlementDue(authorizedAtMs: number, delayMs: number): number | null {
  if (delayMs === 0) return null;
  let due = authorizedAtMs + delayMs;
  while ([0, 6].includes(new Date(due).getUTCDay())) due += new Date(due).getUTCDay() === 6 ? 2 * dayMs : dayMs;
  return due;
}

/** Expects `work` to fail with the AppError `code` (a wrong error, or success, fails the property). */
async function expectAppError(work: () => Promise<unknown>, code: string, what: string): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (isAppError(error) && error.code === code) return;
    throw error;
  }
  assert.fail(`${what}: expected ${code}, but it succeeded`);
}

for (const kind of storeKinds) {
  describe(`ledger property (${kind})`, () => {
    let store: TestDatabase;
    before(async () => {
      store = await openTestDatabase(kind);
    });
    after(async () => store.close());

    it('balances follow the reference model and the invariants hold after every step', async (t) => {
      const secrets = testSecrets();
      // What the generated runs reached, reported so a weak generator shows: outcome → how many times.
      const reached = new Map<string, number>();
      const count = (what: string) => reached.set(what, (reached.get(what) ?? 0) + 1);
      await fc.assert(
        fc.asyncProperty(settlementDelayArbitrary, openingDepositsArbitrary, riskModeArbitrary, fc.array(commandArbitrary, { minLength: 5, maxLength: 50, size: 'max' }), async (settlementDelayMs, openingDeposits, riskMode, commands) => {
          const db = store.db;
          const network = { secrets, settlementDelayMs, followAgentStatus: cardsFollowAgentStatus };
          let nowMs = Date.UTC(2026, 0, 5); // a Monday
          const organization = await initializeOrganization(db, 'property', nowMs);
          const scope: Scope = { organizationId: organization.organization.id, environment: 'sandbox' };
          const userIds: string[] = [];
          const agentIds: string[] = [];
          for (let index = 0; index < userCount; index += 1) {
            const userId = await createApprovedUser(db, scope, nowMs);
            userIds.push(userId);
            const { agent } = await db.transaction((tx) => registerAgent(tx, scope, { userId, name: `agent-${index}` }, nowMs));
            agentIds.push(agent.id);
          }
          const model: ModelUser[] = userIds.map(() => ({ available: 0, reserved: 0, held: 0, debt: 0 }));
          /** Agent i is user i's; suspended by the risk engine's suspend_agent. */
          const suspended: boolean[] = userIds.map(() => false);
          if (riskMode !== null) {
            const rules = Object.fromEntries(riskRuleNames.map((rule) => [rule, { enabled: false }]));
            await db.transaction((tx) => updateOrganizationRiskSettings(tx, scope, { dryRun: riskMode.dryRun, rules: { ...rules, unattestedSpend: { enabled: true, action: riskMode.action } } }, nowMs));
          }
          const riskActs = (action: RiskAction) => riskMode !== null && !riskMode.dryRun && riskMode.action === action;
          const pendingDeposits: Array<{ user: number; cents: number }> = [];
          const txHashes: Array<{ hash: string; user: number; cents: number; supported: boolean; credited: boolean }> = [];
          const withdrawals: ModelWithdrawal[] = [];
          const cards: ModelCard[] = [];
          const transactions: ModelTransaction[] = [];

          /** A deposit's credit repays debt first (SPEC §5), the rest is available. */
          const credit = (user: ModelUser, cents: number) => {
            const repaid = Math.min(cents, user.debt);
            user.debt -= repaid;
            user.available += cents - repaid;
          };
          const closeInModel = (card: ModelCard) => {
            const user = model[card.user]!;
            user.reserved -= card.reservation;
            user.available += card.reservation;
            card.reservation = 0;
            card.status = 'closed';
          };
          /** Money beyond a hold (over-clearing, force post): the card's reservation, then available, then debt. */
          const drawBeyondHold = (card: ModelCard, cents: number) => {
            const user = model[card.user]!;
            const fromReserved = Math.min(cents, card.reservation);
            card.reservation -= fromReserved;
            user.reserved -= fromReserved;
            const fromAvailable = Math.min(cents - fromReserved, user.available);
            user.available -= fromAvailable;
            user.debt += cents - fromReserved - fromAvailable;
          };
          /** Clearing: held → network; less than authorized returns the rest to available; a single-use card closes. */
          const clearInModel = (transaction: ModelTransaction, cents: number) => {
            const user = model[transaction.card.user]!;
            user.held -= transaction.amount;
            user.available += Math.max(0, transaction.amount - cents);
            drawBeyondHold(transaction.card, Math.max(0, cents - transaction.amount));
            transaction.status = 'settled';
            transaction.settled = cents;
            if (transaction.card.type === 'single' && transaction.card.status !== 'closed') closeInModel(transaction.card);
          };
          /**
           * Void or expiry: the hold goes back into the card's reservation up to maxAmount while it is open, the rest
           * to available. A single-use card is usable again and reserves its maxAmount again, from available as far as
           * it allows (src/network/void.ts).
           */
          const voidInModel = (transaction: ModelTransaction) => {
            const { card } = transaction;
            const user = model[card.user]!;
            const open = card.status !== 'closed';
            const toReserved = open ? Math.min(card.maxAmount - card.reservation, transaction.amount) : 0;
            user.held -= transaction.amount;
            user.reserved += toReserved;
            user.available += transaction.amount - toReserved;
            const topUp = open && card.type === 'single' ? Math.min(card.maxAmount - card.reservation - toReserved, user.available) : 0;
            user.available -= topUp;
            user.reserved += topUp;
            if (open) {
              card.reservation += toReserved + topUp;
              card.singleUseConsumed = false;
            }
            transaction.status = 'voided';
          };
          /** The hold: the card's reservation first, then available; then single-use gives back the rest, multi-use tops up. */
          const holdInModel = (card: ModelCard, cents: number) => {
            const user = model[card.user]!;
            const fromReserved = Math.min(card.reservation, cents);
            user.reserved -= fromReserved;
            user.available -= cents - fromReserved;
            user.held += cents;
            const left = card.reservation - fromReserved;
            if (card.type === 'single') {
              user.reserved -= left;
              user.available += left;
              card.reservation = 0;
            } else {
              const topUp = Math.min(card.maxAmount - left, user.available);
              user.available -= topUp;
              user.reserved += topUp;
              card.reservation = left + topUp;
            }
          };
          const fundsCover = (card: ModelCard, cents: number) => cents - Math.min(card.reservation, cents) <= model[card.user]!.available;
          const pick = <T>(items: T[], target: Target, fits: (item: T) => boolean): T | undefined => {
            const fitting = target.fitting ? items.filter(fits) : [];
            const candidates = fitting.length > 0 ? fitting : items;
            return candidates.length === 0 ? undefined : candidates[target.index % candidates.length];
          };
          const openCard = (card: ModelCard) => card.status !== 'closed';
          const usableCard = (card: ModelCard) => openCard(card) && card.frozen === false && !(card.type === 'single' && card.singleUseConsumed);
          const pending = (transaction: ModelTransaction) => transaction.status === 'pending';

          for (const [user, cents] of openingDeposits.entries()) {
            const txHash = `0x${(txHashes.length + 1).toString(16).padStart(64, '0')}`;
            await db.transaction((tx) => observeDeposit(tx, scope, { userId: userIds[user]!, network: 'base', token: 'USDC', amount: `${cents}0000`, txHash, confirmations: 12 }, secrets, nowMs));
            txHashes.push({ hash: txHash, user, cents, supported: true, credited: true });
            credit(model[user]!, cents);
          }

          for (const command of commands) {
            nowMs += 1_000;
            if (command.kind === 'deposit') {
              const repeated = command.repeatOf === null ? undefined : txHashes[command.repeatOf];
              const user = repeated?.user ?? command.user;
              const supported = repeated?.supported ?? command.supported;
              const txHash = repeated?.hash ?? `0x${(txHashes.length + 1).toString(16).padStart(64, '0')}`;
              const amount = (BigInt(command.cents) * 10_000n + BigInt(command.extraBaseUnits)).toString();
              await db.transaction((tx) =>
                observeDeposit(
                  tx,
                  scope,
                  { userId: userIds[user]!, network: supported ? 'base' : 'bitcoin', token: 'USDC', amount, txHash, confirmations: command.confirmed ? 12 : 0 },
                  secrets,
                  nowMs,
                ),
              );
              if (repeated === undefined) {
                txHashes.push({ hash: txHash, user, cents: command.cents, supported: command.supported, credited: false });
                if (command.supported) {
                  if (command.confirmed) credit(model[user]!, command.cents);
                  else pendingDeposits.push({ user, cents: command.cents });
                }
              }
            } else if (command.kind === 'advance') {
              nowMs += command.hours * hourMs;
              const done = await db.transaction((tx) => runDueWork(tx, scope, nowMs));
              for (const [step, howMany] of Object.entries(done)) if (howMany > 0) count(`due ${step}`);
              // In runDueWork's order: deposits, expired cards, due settlements, then expiries (each in id order).
              for (const deposit of pendingDeposits.splice(0)) credit(model[deposit.user]!, deposit.cents);
              for (const card of cards) if (card.status !== 'closed' && card.expiresAtMs !== null && card.expiresAtMs <= nowMs) closeInModel(card);
              for (const transaction of transactions) {
                if (transaction.status === 'pending' && transaction.settleAtMs !== null && transaction.settleAtMs <= nowMs) clearInModel(transaction, transaction.amount);
              }
              for (const transaction of transactions) if (transaction.status === 'pending' && transaction.expiresAtMs! <= nowMs) voidInModel(transaction);
            } else if (command.kind === 'withdraw') {
              const expectApproved = command.cents <= model[command.user]!.available;
              try {
                const withdrawal = await db.transaction((tx) =>
                  createWithdrawal(tx, scope, userIds[command.user]!, { network: 'base', token: 'USDC', amount: command.cents, address: '0x52908400098527886E0F7030069857D2E4169EE7' }, nowMs),
                );
                assert.ok(expectApproved, 'a withdrawal beyond available was approved');
                withdrawals.push({ id: withdrawal.id, user: command.user, cents: command.cents, status: 'pending' });
                model[command.user]!.available -= command.cents;
                model[command.user]!.held += command.cents;
              } catch (error) {
                if (!(isAppError(error) && error.code === 'insufficient_balance')) throw error;
                assert.ok(!expectApproved, 'a covered withdrawal was refused');
              }
            } else if (command.kind === 'outcome') {
              const withdrawal = withdrawals[command.withdrawal];
              if (withdrawal === undefined) continue;
              const allowed = command.outcome === 'submit' ? withdrawal.status === 'pending' : command.outcome === 'confirm' ? withdrawal.status === 'submitted' : withdrawal.status === 'pending' || withdrawal.status === 'submitted';
              try {
                await db.transaction((tx) => applyWithdrawalOutcome(tx, scope, withdrawal.id, command.outcome, nowMs));
                assert.ok(allowed, `${command.outcome} of a ${withdrawal.status} withdrawal was applied`);
                const user = model[withdrawal.user]!;
                if (command.outcome === 'submit') withdrawal.status = 'submitted';
                if (command.outcome === 'confirm') {
                  withdrawal.status = 'confirmed';
                  user.held -= withdrawal.cents;
                }
                if (command.outcome === 'fail') {
                  withdrawal.status = 'failed';
                  user.held -= withdrawal.cents;
                  user.available += withdrawal.cents;
                }
              } catch (error) {
                if (!(isAppError(error) && error.code === 'invalid_status_transition')) throw error;
                assert.ok(!allowed, `${command.outcome} of a ${withdrawal.status} withdrawal was refused`);
              }
            } else if (command.kind === 'createCard') {
              const user = model[command.user]!;
              const input = createCardBody.parse({
                purpose: 'property',
                type: command.type,
                maxAmount: command.maxAmount,
                merchantDriftEnabled: false,
                ...(command.expiresInMinutes === null ? {} : { expiresInMinutes: command.expiresInMinutes }),
              });
              const create = () => db.transaction((tx) => createCard(tx, scope, secrets, agentIds[command.user]!, input, nowMs));
              if (suspended[command.user]) {
                await expectAppError(create, 'agent_not_active', 'a card for a suspended agent');
                count('create card agent_not_active');
              } else if (user.available < command.maxAmount) {
                await expectAppError(create, 'insufficient_balance', `a card of ${command.maxAmount} with ${user.available} available`);
                count('create card insufficient_balance');
              } else {
                count(`create ${command.type} card`);
                const card = await create();
                user.available -= command.maxAmount;
                user.reserved += command.maxAmount;
                cards.push({
                  id: card.id,
                  user: command.user,
                  type: command.type,
                  maxAmount: command.maxAmount,
                  reservation: command.maxAmount,
                  status: 'active',
                  frozen: false,
                  singleUseConsumed: false,
                  expiresAtMs: command.expiresInMinutes === null ? null : nowMs + command.expiresInMinutes * 60_000,
                });
              }
            } else if (command.kind === 'authorize') {
              const card = pick(cards, command.card, usableCard);
              if (card === undefined) continue;
              const cents = 'cents' in command.cents ? command.cents.cents : Math.max(1, Math.round((card.maxAmount * command.cents.perMille) / 1_000));
              const expected =
                card.status !== 'closed' && card.expiresAtMs !== null && card.expiresAtMs <= nowMs
                  ? 'card_expired'
                  : card.status === 'closed'
                    ? 'card_closed'
                    : card.frozen !== false
                      ? 'card_frozen'
                      : card.type === 'single' && card.singleUseConsumed
                        ? 'single_use_consumed'
                        : suspended[card.user]
                          ? 'agent_suspended'
                          : cents > card.maxAmount
                            ? 'exceeds_max_amount'
                            : riskActs('decline')
                              ? 'risk_declined'
                              : !fundsCover(card, cents)
                                ? 'insufficient_funds'
                                : null;
              const transaction = await db.transaction((tx) =>
                authorize(tx, scope, network, { cardId: card.id, amountCents: cents, currency: 'USD', merchant: { name: 'Acme Supplies' } }, nowMs),
              );
              assert.equal(transaction.declineReason, expected, `authorization of ${cents} on ${JSON.stringify(card)}: ${transaction.declineDetail ?? 'approved'}`);
              count(`authorize ${expected ?? 'approved'}`);
              if (expected === null) {
                assert.equal(transaction.status, 'pending');
                assert.equal(transaction.settleAtMs, settlementDue(nowMs, settlementDelayMs));
                assert.equal(transaction.expiresAtMs, nowMs + authorizationLifetimeMs);
                holdInModel(card, cents);
                if (card.type === 'single') card.singleUseConsumed = true;
                if (riskActs('freeze_card')) card.frozen = 'risk';
                if (riskActs('suspend_agent')) {
                  // The agent's suspension freezes every active card of it, this one included, in the same transaction.
                  suspended[card.user] = true;
                  for (const other of cards) if (other.user === card.user && other.status !== 'closed' && other.frozen === false) other.frozen = 'agent';
                }
              } else {
                assert.equal(transaction.status, 'declined');
              }
              transactions.push({
                id: transaction.id,
                card,
                status: transaction.status === 'pending' ? 'pending' : 'declined',
                amount: cents,
                settled: 0,
                refunded: 0,
                settleAtMs: transaction.settleAtMs,
                expiresAtMs: transaction.expiresAtMs,
              });
            } else if (command.kind === 'clear') {
              const transaction = pick(transactions, command.transaction, pending);
              if (transaction === undefined) continue;
              const cents =
                command.mode === 'default'
                  ? undefined
                  : command.mode === 'equal'
                    ? transaction.amount
                    : command.mode === 'less'
                      ? Math.max(1, transaction.amount - command.delta)
                      : transaction.amount + command.delta;
              const clear = () => db.transaction((tx) => clearTransaction(tx, scope, transaction.id, cents, nowMs));
              if (transaction.status !== 'pending') {
                await expectAppError(clear, 'invalid_status_transition', `clearing a ${transaction.status} transaction`);
              } else {
                const settled = await clear();
                assert.equal(settled.status, 'settled');
                const debtBefore = model[transaction.card.user]!.debt;
                clearInModel(transaction, cents ?? transaction.amount);
                count(`clear ${command.mode}${model[transaction.card.user]!.debt > debtBefore ? ' into debt' : ''}`);
              }
            } else if (command.kind === 'void') {
              const transaction = pick(transactions, command.transaction, pending);
              if (transaction === undefined) continue;
              const reverse = () => db.transaction((tx) => voidTransaction(tx, scope, transaction.id, 'reversal', nowMs));
              if (transaction.status !== 'pending') {
                await expectAppError(reverse, 'invalid_status_transition', `voiding a ${transaction.status} transaction`);
              } else {
                await reverse();
                voidInModel(transaction);
                count('void');
              }
            } else if (command.kind === 'refund') {
              const transaction = pick(transactions, command.transaction, (item) => item.status === 'settled' || item.status === 'refunded');
              if (transaction === undefined) continue;
              const refund = () => db.transaction((tx) => refundTransaction(tx, scope, transaction.id, command.cents ?? undefined, nowMs));
              const refundable = transaction.settled - transaction.refunded;
              const cents = command.cents ?? refundable;
              if (transaction.status !== 'settled' && transaction.status !== 'refunded') {
                await expectAppError(refund, 'invalid_status_transition', `refunding a ${transaction.status} transaction`);
              } else if (cents <= 0 || cents > refundable) {
                await expectAppError(refund, 'refund_exceeds_settled', `refunding ${cents} of ${refundable}`);
              } else {
                const refunded = await refund();
                assert.equal(refunded.refundedAmountCents, transaction.refunded + cents);
                model[transaction.card.user]!.available += cents;
                transaction.refunded += cents;
                transaction.status = 'refunded';
                count(transaction.refunded === transaction.settled ? 'refund in full' : 'refund in part');
              }
            } else if (command.kind === 'increment') {
              const transaction = pick(transactions, command.transaction, pending);
              if (transaction === undefined) continue;
              const { card } = transaction;
              const increment = () => db.transaction((tx) => incrementAuthorization(tx, scope, transaction.id, command.cents, nowMs));
              if (transaction.status !== 'pending') {
                await expectAppError(increment, 'invalid_status_transition', `incrementing a ${transaction.status} transaction`);
              } else if (card.status === 'closed' || card.frozen !== false || suspended[card.user] || transaction.amount + command.cents > card.maxAmount || !fundsCover(card, command.cents)) {
                await expectAppError(increment, 'increment_declined', `incrementing ${transaction.amount} by ${command.cents} on ${JSON.stringify(card)}`);
              } else {
                const incremented = await increment();
                assert.equal(incremented.amountCents, transaction.amount + command.cents);
                const user = model[card.user]!;
                const fromReserved = Math.min(card.reservation, command.cents);
                if (card.type === 'multi') {
                  holdInModel(card, command.cents);
                } else {
                  // A single-use card has given back its unused reservation at approval; nothing to top up.
                  card.reservation -= fromReserved;
                  user.reserved -= fromReserved;
                  user.available -= command.cents - fromReserved;
                  user.held += command.cents;
                }
                transaction.amount += command.cents;
                count('increment approved');
              }
            } else if (command.kind === 'forcePost') {
              const card = pick(cards, command.card, openCard);
              if (card === undefined) continue;
              const posted = await db.transaction((tx) => forcePost(tx, scope, card.id, command.cents, { name: 'Hotel Deposit' }, nowMs));
              assert.deepEqual([posted.status, posted.settledAmountCents], ['settled', command.cents]);
              const debtBefore = model[card.user]!.debt;
              drawBeyondHold(card, command.cents);
              count(model[card.user]!.debt > debtBefore ? 'force post into debt' : 'force post');
              transactions.push({ id: posted.id, card, status: 'settled', amount: command.cents, settled: command.cents, refunded: 0, settleAtMs: null, expiresAtMs: null });
            } else if (command.kind === 'unfreezeCard') {
              const card = pick(cards, command.card, (item) => item.frozen !== false && openCard(item));
              if (card === undefined) continue;
              const unfreeze = () => db.transaction((tx) => unfreezeCard(tx, scope, card.id, systemActor('property'), nowMs));
              if (card.status === 'closed') {
                await expectAppError(unfreeze, 'card_not_active', 'unfreezing a closed card');
              } else {
                await unfreeze();
                count(card.frozen === false ? 'unfreeze an active card' : `unfreeze a card frozen by ${card.frozen}`);
                card.frozen = false;
              }
            } else if (command.kind === 'activateAgent') {
              const activate = () => db.transaction((tx) => activateAgent(tx, scope, agentIds[command.user]!, cardsFollowAgentStatus, nowMs));
              if (!suspended[command.user]) {
                await expectAppError(activate, 'invalid_status_transition', 'activating an active agent');
              } else {
                await activate();
                count('activate a suspended agent');
                suspended[command.user] = false;
                // Activation unfreezes the cards the suspension froze, not those a rule or a person froze.
                for (const card of cards) if (card.user === command.user && card.status !== 'closed' && card.frozen === 'agent') card.frozen = false;
              }
            } else {
              const card = pick(cards, command.card, openCard);
              if (card === undefined) continue;
              const close = () => db.transaction((tx) => closeCard(tx, scope, card, 'manual', nowMs));
              if (card.status === 'closed') {
                await expectAppError(close, 'card_already_closed', 'closing a closed card');
              } else {
                await close();
                closeInModel(card);
                count('close card');
              }
            }

            for (const [index, userId] of userIds.entries()) {
              const balances = await readUserBalances(db, userId);
              const expected = model[index]!;
              assert.deepEqual(
                balances,
                { availableCents: expected.available, reservedCents: expected.reserved, heldCents: expected.held, debtCents: expected.debt },
                `balances of user ${index} after ${JSON.stringify(command)}`,
              );
            }
            const cardRows = await db.all<{ id: string; reservation: number; status: string }>('SELECT id, reservation, status FROM cards WHERE organization_id = ? ORDER BY id', [scope.organizationId]);
            assert.deepEqual(
              cardRows.map((row) => ({ id: row.id, reservation: Number(row.reservation), status: row.status })),
              cards.map((card) => ({ id: card.id, reservation: card.reservation, status: card.status === 'closed' ? 'closed' : card.frozen === false ? 'active' : 'frozen' })).sort((left, right) => (left.id < right.id ? -1 : 1)),
              `cards after ${JSON.stringify(command)}`,
            );
            const transactionRows = await db.all<{ id: string; status: string; amount: number; settled_amount: number; refunded_amount: number }>(
              'SELECT id, status, amount, settled_amount, refunded_amount FROM transactions WHERE organization_id = ? ORDER BY id',
              [scope.organizationId],
            );
            assert.deepEqual(
              transactionRows.map((row) => ({ id: row.id, status: row.status, amount: Number(row.amount), settled: Number(row.settled_amount), refunded: Number(row.refunded_amount) })),
              transactions
                .map((transaction) => ({ id: transaction.id, status: transaction.status, amount: transaction.amount, settled: transaction.settled, refunded: transaction.refunded }))
                .sort((left, right) => (left.id < right.id ? -1 : 1)),
              `transactions after ${JSON.stringify(command)}`,
            );
            const report = await verifyLedger(db);
            assert.deepEqual(report.problems, []);
          }
        }),
        { numRuns: kind === 'sqlite' ? 45 : 18 },
      );
      t.diagnostic(`reached: ${[...reached.entries()].sort().map(([what, times]) => `${what} ×${times}`).join(', ')}`);
    });
  });
}
