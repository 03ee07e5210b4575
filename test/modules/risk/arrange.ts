// Arranging risk-engine tests through the public API: organization settings with one rule on, a cardholder, and
// per rule the authorizations that bring it to its boundary.
import assert from 'node:assert/strict';
import type { RiskAction, RiskRuleName } from '../../../src/domain/risk-rules.js';
import { riskRuleNames } from '../../../src/domain/risk-rules.js';
import type { TestApp } from '../../helpers/app.js';
import { advanceSandbox } from '../../helpers/sandbox-clock.js';
import { authorizeAt, fundedCardholder, issueCard, revealCard, type Cardholder } from '../../network/arrange.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export async function call(testApp: TestApp, method: string, url: string, body?: unknown): Promise<Json> {
  const response = await testApp.request(method, url, body === undefined ? {} : { body });
  assert.equal(response.statusCode, 200, `${method} ${url}: ${response.body}`);
  return response.json;
}

/** The organization's rules: every one off except `rule` (parameters as given); dry run as given. */
export async function onlyRule(testApp: TestApp, rule: RiskRuleName, settings: { action?: RiskAction; parameters?: Record<string, number>; dryRun?: boolean } = {}) {
  const rules = Object.fromEntries(riskRuleNames.map((name) => [name, { enabled: false }])) as Record<string, Record<string, unknown>>;
  rules[rule] = { enabled: true, action: settings.action ?? 'alert', ...(settings.parameters ?? {}) };
  return call(testApp, 'PATCH', '/v1/settings/risk', { dryRun: settings.dryRun ?? false, rules });
}

export interface RuleWorld {
  testApp: TestApp;
  holder: Cardholder;
  cardId: string;
}

/**
 * Per rule: its organization parameters, the authorizations that lead up to the boundary (`arrange`), the one
 * just inside it that must not fire (`quiet`) and the one just past it that must (`fire`). Each returns the
 * transaction the network answered.
 */
export interface RuleScenario {
  rule: RiskRuleName;
  parameters: Record<string, number>;
  arrange: (world: RuleWorld) => Promise<void>;
  quiet: (world: RuleWorld) => Promise<Json>;
  fire: (world: RuleWorld) => Promise<Json>;
}

const minuteSeconds = 60;
const at = (world: RuleWorld, amountCents: number, merchant = 'Amazon') => authorizeAt(world.testApp, { cardId: world.cardId }, amountCents, merchant);
const approved = async (world: RuleWorld, amountCents: number, merchant = 'Amazon') => {
  const transaction = await at(world, amountCents, merchant);
  assert.equal(transaction.status, 'pending', JSON.stringify(transaction));
  return transaction;
};

export const ruleScenarios: readonly RuleScenario[] = [
  {
    rule: 'merchantDrift',
    parameters: {},
    arrange: async (world) => void (await approved(world, 100, 'Amazon')),
    quiet: (world) => at(world, 100, 'AMAZON.COM'),
    fire: (world) => at(world, 100, 'Walmart'),
  },
  {
    rule: 'velocity',
    parameters: { maxPerHour: 2, maxPerDay: 100 },
    arrange: async (world) => void (await approved(world, 100)),
    quiet: (world) => at(world, 101),
    fire: (world) => at(world, 102),
  },
  {
    rule: 'duplicate',
    parameters: { windowMinutes: 10 },
    arrange: async (world) => {
      await approved(world, 500);
      await advanceSandbox(world.testApp, 10 * minuteSeconds);
    },
    // Exactly ten minutes later: outside the window.
    quiet: (world) => at(world, 500),
    fire: async (world) => {
      await advanceSandbox(world.testApp, 10 * minuteSeconds - 1);
      return at(world, 500);
    },
  },
  {
    rule: 'spendSpike',
    parameters: { multiplier: 2, baselineDays: 30 },
    arrange: async (world) => {
      for (let index = 0; index < 3; index += 1) await approved(world, 100);
    },
    // Exactly twice the mean of 100.
    quiet: (world) => at(world, 200),
    // Now four authorizations of 500 in all: the mean is 125, twice that 250.
    fire: (world) => at(world, 251),
  },
  {
    rule: 'unattestedSpend',
    parameters: {},
    arrange: async (world) => void (await revealCard(world.testApp, world.holder, world.cardId, 700, 'Amazon')),
    quiet: (world) => at(world, 700),
    // The intent was used by the quiet authorization: nothing attests this one.
    fire: (world) => at(world, 700),
  },
  {
    rule: 'intentMismatch',
    parameters: {},
    arrange: async (world) => void (await revealCard(world.testApp, world.holder, world.cardId, 1_000, 'Amazon')),
    // 10 % over the declared amount is still a match.
    quiet: (world) => at(world, 1_100),
    fire: async (world) => {
      await revealCard(world.testApp, world.holder, world.cardId, 1_000, 'Amazon');
      return at(world, 1_101);
    },
  },
  {
    rule: 'cooldown',
    parameters: { minutes: 5 },
    arrange: async (world) => {
      await approved(world, 100);
      await advanceSandbox(world.testApp, 5 * minuteSeconds);
    },
    quiet: (world) => at(world, 100),
    fire: async (world) => {
      await advanceSandbox(world.testApp, 5 * minuteSeconds - 1);
      return at(world, 100);
    },
  },
];

export const scenarioOf = (rule: RiskRuleName): RuleScenario => ruleScenarios.find((scenario) => scenario.rule === rule)!;

/** A funded cardholder with a multi-use card; merchant drift on the card only for that rule's scenarios. */
export async function ruleWorld(testApp: TestApp, rule: RiskRuleName, cardBody: Record<string, unknown> = {}): Promise<RuleWorld> {
  const holder = await fundedCardholder(testApp, 1_000_000);
  const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 50_000, merchantDriftEnabled: rule === 'merchantDrift', ...cardBody });
  return { testApp, holder, cardId: card.id };
}

export async function alertsOfTransaction(testApp: TestApp, transactionId: string): Promise<Json[]> {
  return (await call(testApp, 'GET', `/v1/risk/alerts?transactionId=${transactionId}`)).data;
}
