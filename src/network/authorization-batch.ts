// The state a batch of authorizations decides against, and the rows it writes (src/network/authorize.ts).
//
// Reading: the cards, agents, users, ledger accounts, policies and revealed intents of every authorization of the
// batch are read with one set-based statement per table, locked on PostgreSQL in one sorted statement per table
// (agents, then cards, then accounts: the order every other writer takes them in). Spend and history are read once
// per card or agent and window, then kept current in memory as the batch approves.
//
// Writing: each decision's rows (transactions, ledger transfers, events, risk alerts) and changes (card use, account
// balances) are buffered in order and written by `flush` with multi-row statements: the cached state always equals
// what the database would hold with the buffer written. An effect that changes other records is run by its module
// through `between`: the buffer is written first, the effect runs, and every cached record is read again before the
// next decision, so no decision sees a stale state.
import { cardLimitWindows } from '../domain/authorization.js';
import { spendWindow } from '../domain/limit-windows.js';
import type { RiskFacts, RiskSettings } from '../domain/risk-rules.js';
import type { PolicyControls } from '../domain/spending-policy.js';
import { userAccountId } from '../ledger/accounts.js';
import { emptyPostings, lockAccounts, planTransfers, writePostings, type LockedAccount, type TransferInput } from '../ledger/transfers.js';
import { agentPolicyWith, type AgentPolicy } from '../modules/agents/policy.js';
import { agentFromRow, type Agent, type AgentRow } from '../modules/agents/service.js';
import { agentSpendInWindowCents } from '../modules/agents/spend.js';
import { cardFromRow, writeCardUses, type Card, type CardRow } from '../modules/cards/service.js';
import { panFingerprint, type VaultSecrets } from '../modules/cards/vault.js';
import { recordEvents, type NewEvent } from '../modules/events/service.js';
import { newId } from '../domain/ids.js';
import { intentFromRow, type Intent, type IntentRow } from '../modules/intents/service.js';
import { ownControlsOf } from '../modules/policies/card-policy.js';
import { effectiveControls, policiesById } from '../modules/policies/service.js';
import { cardHistoryOf, cardHistorySince, readAgentBaseline, readRecentApprovals, withUnwrittenApprovals, type RecentApproval, type RiskHistoryQuery } from '../modules/risk/facts.js';
import { insertRiskAlerts, type RiskAlert } from '../modules/risk/service.js';
import { riskSettingsOfCards } from '../modules/risk/settings.js';
import type { Scope } from '../domain/scope.js';
import { cardLifetimeUse, type Transaction } from '../modules/transactions/service.js';
import { cardSpend, insertTransactions } from '../modules/transactions/store.js';
import { userFromRow, type User, type UserRow } from '../modules/users/service.js';
import { forUpdate, type Sql } from '../store/database.js';

/** What the batch needs of an authorization request (src/network/authorize.ts `AuthorizationItem`). */
export interface BatchItem {
  scope: Scope;
  nowMs: number;
  request: { cardId?: string | undefined; pan?: string | undefined };
}

/** An item with how its card is looked up: by id in its scope, or by the PAN's fingerprint in its scope. */
export type PreparedItem<Item extends BatchItem> = Item & { cardKey: string | undefined };

interface CardSpend {
  dayStartMs: number;
  monthStartMs: number;
  todayCents: number;
  monthCents: number;
}

interface AgentSpend {
  startMs: number;
  spentCents: number;
}

interface LifetimeUse {
  authCount: number;
  spentCents: number;
  lastApprovedAtMs: number | null;
}

const riskSettingsKey = (scope: Scope, agentId: string, cardId: string) => `${scope.organizationId} ${scope.environment} ${agentId} ${cardId}`;

/** The accounts an authorization moves money between. */
const heldAccountKinds = ['available', 'reserved', 'held'] as const;
const placeholders = (count: number) => Array.from({ length: count }, () => '?').join(', ');
const sorted = (values: Iterable<string>) => [...new Set(values)].sort();

export class AuthorizationBatch {
  /** Card lookups (`cardKey`) → card id, or null when no card answers. Cards never change owner or number. */
  private readonly cardIds = new Map<string, string | null>();
  private readonly lookups = new Map<string, { by: 'id' | 'pan'; organizationId: string; environment: string; value: string }>();

  private readonly cards = new Map<string, Card>();
  private readonly agents = new Map<string, Agent>();
  private readonly users = new Map<string, User>();
  private readonly accounts = new Map<string, LockedAccount>();
  private readonly controls = new Map<string, PolicyControls>();
  private readonly intents = new Map<string, Intent[]>();
  private readonly agentSpends = new Map<string, AgentSpend[]>();
  private readonly cardSpends = new Map<string, CardSpend[]>();
  private readonly lifetimes = new Map<string, LifetimeUse>();
  private readonly riskSettingsByKey = new Map<string, RiskSettings>();
  /** Each card's approvals as far back as its risk rules look, this batch's included. */
  private readonly recentApprovals = new Map<string, RecentApproval[]>();
  /** Each card's intents read and then expired: whether one has expired, and the earliest expiry of those revealed. */
  private readonly staleIntents = new Map<string, { expired: boolean; firstRevealedExpiryMs: number | null }>();
  /** Approvals of this batch not yet written, by agent: the spend-spike baseline adds them to what it reads. */
  private readonly unwrittenByAgent = new Map<string, RecentApproval[]>();
  /** Whether the cache holds what the rest of the batch needs: false at first and after `between`. */
  private loaded = false;

  private transactions: { scope: Scope; transaction: Transaction }[] = [];
  private readonly postings = emptyPostings();
  private readonly usedCards = new Map<string, Card>();
  private events: NewEvent[] = [];
  private alerts: { scope: Scope; alert: RiskAlert }[] = [];

  constructor(
    private readonly tx: Sql,
    private readonly secrets: VaultSecrets,
  ) {}

  prepare<Item extends BatchItem>(item: Item): PreparedItem<Item> {
    const { scope, request } = item;
    let cardKey: string | undefined;
    if (request.cardId !== undefined) {
      cardKey = `id ${scope.organizationId} ${scope.environment} ${request.cardId}`;
      this.lookups.set(cardKey, { by: 'id', organizationId: scope.organizationId, environment: scope.environment, value: request.cardId });
    } else if (request.pan !== undefined) {
      const fingerprint = panFingerprint(this.secrets, request.pan);
      cardKey = `pan ${scope.organizationId} ${scope.environment} ${fingerprint}`;
      this.lookups.set(cardKey, { by: 'pan', organizationId: scope.organizationId, environment: scope.environment, value: fingerprint });
    }
    return { ...item, cardKey };
  }

  cardIdOf(item: PreparedItem<BatchItem>): string | undefined {
    return item.cardKey === undefined ? undefined : (this.cardIds.get(item.cardKey) ?? undefined);
  }

  /**
   * Reads, with one statement per table, what `items` (the rest of the batch) need: once at the start, and again
   * after `between` has let another module change records.
   */
  async ensureLoaded(items: readonly PreparedItem<BatchItem>[]): Promise<void> {
    if (this.loaded) return;
    this.forget();
    this.loaded = true;
    await this.resolveCards(items);
    const cardIds = sorted(items.map((item) => this.cardIdOf(item)).filter((id): id is string => id !== undefined && !this.cards.has(id)));
    if (cardIds.length === 0) return;
    const { tx } = this;
    const minNowMs = Math.min(...items.map((item) => item.nowMs));

    // Agents before cards before accounts, each set in id order: the lock order of every writer.
    const owners = await tx.all<{ id: string; agent_id: string; user_id: string }>(`SELECT id, agent_id, user_id FROM cards WHERE id IN (${placeholders(cardIds.length)})`, cardIds);
    const agentIds = sorted(owners.map((owner) => owner.agent_id).filter((id) => !this.agents.has(id)));
    if (agentIds.length > 0) {
      const rows = await tx.all<AgentRow>(`SELECT * FROM agents WHERE id IN (${placeholders(agentIds.length)}) ORDER BY id${forUpdate(tx)}`, agentIds);
      for (const row of rows) this.agents.set(row.id, agentFromRow(row));
    }
    const cardRows = await tx.all<CardRow>(`SELECT * FROM cards WHERE id IN (${placeholders(cardIds.length)}) ORDER BY id${forUpdate(tx)}`, cardIds);
    for (const row of cardRows) this.cards.set(row.id, cardFromRow(row));
    const userIds = sorted(owners.map((owner) => owner.user_id).filter((id) => !this.users.has(id)));
    if (userIds.length > 0) {
      const rows = await tx.all<UserRow>(`SELECT * FROM users WHERE id IN (${placeholders(userIds.length)})`, userIds);
      for (const row of rows) this.users.set(row.id, userFromRow(row));
    }
    const accountIds = sorted(owners.flatMap((owner) => heldAccountKinds.map((kind) => userAccountId(owner.user_id, kind))).filter((id) => !this.accounts.has(id)));
    if (accountIds.length > 0) for (const [id, account] of await lockAccounts(tx, accountIds)) this.accounts.set(id, account);

    const loaded = cardIds.map((id) => this.cards.get(id)!);
    const policies = await policiesById(tx, loaded.flatMap((card) => [card.policyId, this.agents.get(card.agentId)!.defaultPolicyId]));
    for (const card of loaded) {
      const agent = this.agents.get(card.agentId)!;
      const { controls } = effectiveControls(
        ownControlsOf(card),
        card.policyId === null ? undefined : policies.get(card.policyId),
        agent.defaultPolicyId === null ? undefined : policies.get(agent.defaultPolicyId),
      );
      this.controls.set(card.id, controls);
      this.intents.set(card.id, []);
    }
    const intentRows = await tx.all<IntentRow>(`SELECT * FROM intents WHERE card_id IN (${placeholders(cardIds.length)}) AND status = 'revealed' AND expires_at > ? ORDER BY id`, [
      ...cardIds,
      minNowMs,
    ]);
    for (const row of intentRows) this.intents.get(row.card_id)!.push(intentFromRow(row));

    const staleRows = await tx.all<{ card_id: string; expired: number | string; first_expiry: number | string | null }>(
      `SELECT card_id, MAX(CASE WHEN status = 'expired' THEN 1 ELSE 0 END) AS expired, MIN(CASE WHEN status = 'revealed' THEN expires_at END) AS first_expiry
       FROM intents WHERE card_id IN (${placeholders(cardIds.length)}) AND revealed_at IS NOT NULL AND status IN ('expired', 'revealed') GROUP BY card_id`,
      cardIds,
    );
    for (const id of cardIds) this.staleIntents.set(id, { expired: false, firstRevealedExpiryMs: null });
    for (const row of staleRows) this.staleIntents.set(row.card_id, { expired: Number(row.expired) === 1, firstRevealedExpiryMs: row.first_expiry === null ? null : Number(row.first_expiry) });

    // Risk settings of every card of the rest of the batch (they do not change in it), then the cards' approvals as
    // far back as the rules of any of its authorizations look.
    const subjects = new Map<string, { scope: Scope; agentId: string; cardId: string }>();
    for (const item of items) {
      const cardId = this.cardIdOf(item);
      if (cardId === undefined) continue;
      const card = this.cards.get(cardId)!;
      const key = riskSettingsKey(item.scope, card.agentId, cardId);
      if (!this.riskSettingsByKey.has(key)) subjects.set(key, { scope: item.scope, agentId: card.agentId, cardId });
    }
    const byScope = new Map<string, { scope: Scope; subjects: { agentId: string; cardId: string }[] }>();
    for (const subject of subjects.values()) {
      const scopeKey = `${subject.scope.organizationId} ${subject.scope.environment}`;
      const group = byScope.get(scopeKey) ?? { scope: subject.scope, subjects: [] };
      group.subjects.push(subject);
      byScope.set(scopeKey, group);
    }
    for (const { scope, subjects: ofScope } of byScope.values()) {
      for (const [key, settings] of await riskSettingsOfCards(tx, scope, ofScope)) {
        const [agentId, cardId] = key.split(' ');
        this.riskSettingsByKey.set(riskSettingsKey(scope, agentId!, cardId!), settings);
      }
    }
    let historySinceMs: number | undefined;
    for (const item of items) {
      const cardId = this.cardIdOf(item);
      if (cardId === undefined) continue;
      const since = cardHistorySince(this.riskSettingsByKey.get(riskSettingsKey(item.scope, this.cards.get(cardId)!.agentId, cardId))!, item.nowMs);
      if (since !== undefined) historySinceMs = historySinceMs === undefined ? since : Math.min(historySinceMs, since);
    }
    if (historySinceMs !== undefined) for (const [id, recent] of await readRecentApprovals(tx, cardIds, historySinceMs)) this.recentApprovals.set(id, recent);
  }

  private async resolveCards(items: readonly PreparedItem<BatchItem>[]): Promise<void> {
    const wanted = [...new Set(items.map((item) => item.cardKey).filter((key): key is string => key !== undefined && !this.cardIds.has(key)))];
    if (wanted.length === 0) return;
    const lookups = wanted.map((key) => [key, this.lookups.get(key)!] as const);
    const byId = lookups.filter(([, lookup]) => lookup.by === 'id');
    const byPan = lookups.filter(([, lookup]) => lookup.by === 'pan');
    const found = new Map<string, string>();
    if (byId.length > 0) {
      const ids = [...new Set(byId.map(([, lookup]) => lookup.value))];
      const rows = await this.tx.all<{ id: string; organization_id: string; environment: string }>(`SELECT id, organization_id, environment FROM cards WHERE id IN (${placeholders(ids.length)})`, ids);
      for (const row of rows) found.set(`id ${row.organization_id} ${row.environment} ${row.id}`, row.id);
    }
    if (byPan.length > 0) {
      const environments = [...new Set(byPan.map(([, lookup]) => lookup.environment))];
      const fingerprints = [...new Set(byPan.map(([, lookup]) => lookup.value))];
      const rows = await this.tx.all<{ id: string; organization_id: string; environment: string; pan_fingerprint: string }>(
        `SELECT id, organization_id, environment, pan_fingerprint FROM cards WHERE environment IN (${placeholders(environments.length)}) AND pan_fingerprint IN (${placeholders(fingerprints.length)})`,
        [...environments, ...fingerprints],
      );
      for (const row of rows) found.set(`pan ${row.organization_id} ${row.environment} ${row.pan_fingerprint}`, row.id);
    }
    for (const key of wanted) this.cardIds.set(key, found.get(key) ?? null);
  }

  private forget(): void {
    for (const cache of [this.cards, this.agents, this.users, this.accounts, this.controls, this.intents, this.agentSpends, this.cardSpends, this.lifetimes, this.recentApprovals, this.staleIntents]) {
      cache.clear();
    }
  }

  card(id: string): Card {
    return this.required(this.cards, id, 'card');
  }
  agent(id: string): Agent {
    return this.required(this.agents, id, 'agent');
  }
  user(id: string): User {
    return this.required(this.users, id, 'user');
  }
  account(id: string): LockedAccount {
    return this.required(this.accounts, id, 'ledger account');
  }
  controlsOf(card: Card): PolicyControls {
    return this.required(this.controls, card.id, 'card controls');
  }

  private required<Value>(cache: ReadonlyMap<string, Value>, id: string, what: string): Value {
    const value = cache.get(id);
    if (value === undefined) throw new Error(`the authorization batch did not load ${what} ${id}`);
    return value;
  }

  /** The card's revealed intents that have not expired at `nowMs`, in id order. */
  revealedIntents(cardId: string, nowMs: number): Intent[] {
    return this.required(this.intents, cardId, 'intents of card').filter((intent) => intent.expiresAtMs > nowMs);
  }

  /** Whether the card's details were read for an intent that has since expired (intents change only through `between`). */
  hadStaleIntent(cardId: string, nowMs: number): boolean {
    const stale = this.required(this.staleIntents, cardId, 'intents of card');
    return stale.expired || (stale.firstRevealedExpiryMs !== null && stale.firstRevealedExpiryMs <= nowMs);
  }

  async agentPolicy(agent: Agent, nowMs: number): Promise<AgentPolicy> {
    const window = spendWindow(agent.spendingLimitFrequency, nowMs);
    if (window === null) return agentPolicyWith(agent, null, 0);
    // Without a limit nothing reads the spend (no remaining amount, no warning): it is not summed.
    if (agent.spendingLimitCents === null) return agentPolicyWith(agent, window, 0);
    const spends = this.agentSpends.get(agent.id) ?? [];
    let spend = spends.find((known) => known.startMs === window.startMs);
    if (spend === undefined) {
      spend = { startMs: window.startMs, spentCents: await agentSpendInWindowCents(this.tx, agent.id, window) };
      spends.push(spend);
      this.agentSpends.set(agent.id, spends);
    }
    return agentPolicyWith(agent, window, spend.spentCents);
  }

  async cardSpend(cardId: string, nowMs: number): Promise<{ todayCents: number; monthCents: number }> {
    const { dayStartMs, monthStartMs } = cardLimitWindows(nowMs);
    const spends = this.cardSpends.get(cardId) ?? [];
    let spend = spends.find((known) => known.dayStartMs === dayStartMs && known.monthStartMs === monthStartMs);
    if (spend === undefined) {
      spend = { dayStartMs, monthStartMs, ...(await cardSpend(this.tx, cardId, nowMs)) };
      spends.push(spend);
      this.cardSpends.set(cardId, spends);
    }
    return { todayCents: spend.todayCents, monthCents: spend.monthCents };
  }

  async lifetimeUse(cardId: string): Promise<LifetimeUse> {
    let use = this.lifetimes.get(cardId);
    if (use === undefined) {
      use = await cardLifetimeUse(this.tx, cardId);
      this.lifetimes.set(cardId, use);
    }
    return { ...use };
  }

  /** Risk settings are not changed by authorizations: read for the batch's cards by `ensureLoaded`, kept for it. */
  riskSettings(scope: Scope, agentId: string, cardId: string): RiskSettings {
    return this.required(this.riskSettingsByKey, riskSettingsKey(scope, agentId, cardId), 'risk settings of card');
  }

  async riskHistory(settings: RiskSettings, query: RiskHistoryQuery): Promise<Pick<RiskFacts, 'cardHistory' | 'agentBaseline'>> {
    const facts: Pick<RiskFacts, 'cardHistory' | 'agentBaseline'> = {};
    const cardHistory = cardHistoryOf(this.recentApprovals.get(query.cardId) ?? [], settings, query);
    if (cardHistory !== undefined) {
      if (!this.recentApprovals.has(query.cardId)) throw new Error(`the authorization batch did not load the recent approvals of card ${query.cardId}`);
      facts.cardHistory = cardHistory;
    }
    const baseline = withUnwrittenApprovals(await readAgentBaseline(this.tx, settings, query), settings, query.nowMs, this.unwrittenByAgent.get(query.agentId) ?? []);
    if (baseline !== undefined) facts.agentBaseline = baseline;
    return facts;
  }

  /** Posts transfers against the cached accounts (checked as `postTransfers` checks them); written by `flush`. */
  post(scope: Scope, transfers: readonly TransferInput[], nowMs: number): void {
    planTransfers(this.tx, scope, this.accounts, transfers, nowMs, this.postings);
  }

  /** The card after an approval (`cardAfterUse`); written by `flush` unless the use left it unchanged. */
  useCard(card: Card): void {
    if (this.cards.get(card.id) === card) return;
    this.cards.set(card.id, card);
    this.usedCards.set(card.id, card);
  }

  addTransaction(scope: Scope, transaction: Transaction): void {
    this.transactions.push({ scope, transaction });
  }

  addEvent(scope: Scope, type: string, object: Record<string, unknown>, nowMs: number): void {
    this.events.push({ scope, type, object, nowMs, id: newId('evt', nowMs) });
  }

  addAlert(scope: Scope, alert: RiskAlert): void {
    this.alerts.push({ scope, alert });
  }

  /** An approval counts in its card's and agent's spend, the card's lifetime use and the risk history from now on. */
  countApproval(approved: Transaction, merchantNormalizedName: string): void {
    const cardId = approved.cardId!;
    const agentId = approved.agentId!;
    const { amountCents, createdAtMs } = approved;
    for (const spend of this.cardSpends.get(cardId) ?? []) {
      if (createdAtMs >= spend.dayStartMs) spend.todayCents += amountCents;
      if (createdAtMs >= spend.monthStartMs) spend.monthCents += amountCents;
    }
    for (const spend of this.agentSpends.get(agentId) ?? []) if (createdAtMs >= spend.startMs) spend.spentCents += amountCents;
    const use = this.lifetimes.get(cardId);
    if (use !== undefined) {
      use.authCount += 1;
      use.spentCents += amountCents;
      use.lastApprovedAtMs = use.lastApprovedAtMs === null ? createdAtMs : Math.max(use.lastApprovedAtMs, createdAtMs);
    }
    const approval = { createdAtMs, merchantNormalizedName, amountCents };
    this.recentApprovals.get(cardId)?.push(approval);
    const ofAgent = this.unwrittenByAgent.get(agentId);
    if (ofAgent === undefined) this.unwrittenByAgent.set(agentId, [approval]);
    else ofAgent.push(approval);
  }

  /** Writes the buffered rows and changes: transactions, ledger postings, card use, events, alerts. */
  async flush(): Promise<void> {
    const { tx } = this;
    await insertTransactions(tx, this.transactions);
    this.transactions = [];
    await writePostings(tx, this.postings);
    await writeCardUses(tx, [...this.usedCards.values()].sort((a, b) => (a.id < b.id ? -1 : 1)));
    this.usedCards.clear();
    await recordEvents(tx, this.events);
    this.events = [];
    await insertRiskAlerts(tx, this.alerts);
    this.alerts = [];
    this.unwrittenByAgent.clear();
  }

  /** Runs an effect of another module on the database as the batch has left it so far; later decisions re-read. */
  async between(effect: (tx: Sql) => Promise<unknown>): Promise<void> {
    await this.flush();
    await effect(this.tx);
    this.loaded = false;
  }
}
