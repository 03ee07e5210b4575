// Every risk rule through the card network (SPEC §4 "Risk engine"), on both stores: quiet just inside its boundary
// and firing just past it; each action (alert, decline, freeze_card, suspend_agent); dry run; and the cascade
// (card overrides agent overrides organization). The ledger is verified at the end of each store's run.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { riskEventType, riskRuleSnakeName, type RiskAction } from '../../../src/domain/risk-rules.js';
import { useTestApp } from '../../helpers/app.js';
import { assertLedgerSound, balanceOf } from '../../helpers/money.js';
import { storeKinds } from '../../helpers/stores.js';
import { cardOf, eventsAbout, issueCard } from '../../network/arrange.js';
import { alertsOfTransaction, call, onlyRule, ruleScenarios, ruleWorld, type Json, type RuleScenario } from './arrange.js';

const actions: readonly RiskAction[] = ['alert', 'decline', 'freeze_card', 'suspend_agent'];

for (const kind of storeKinds) {
  describe(`risk rules through the card network (${kind})`, () => {
    const testApp = useTestApp({ store: kind });

    /** Sets the organization to the rule alone and runs its scenario up to the firing authorization. */
    async function fireScenario(scenario: RuleScenario, action: RiskAction, options: { dryRun?: boolean; extraCards?: number } = {}) {
      await onlyRule(testApp, scenario.rule, { action, parameters: scenario.parameters, dryRun: options.dryRun ?? false });
      const world = await ruleWorld(testApp, scenario.rule, scenario.rule === 'merchantDrift' ? { onDrift: action } : {});
      const others: string[] = [];
      for (let index = 0; index < (options.extraCards ?? 0); index += 1) others.push((await issueCard(testApp, world.holder, { type: 'single', maxAmount: 1_000 })).id);
      await scenario.arrange(world);
      const quiet = await scenario.quiet(world);
      const balanceBefore = await balanceOf(testApp, world.holder.userId);
      const firing = await scenario.fire(world);
      return { world, quiet, firing, others, balanceBefore };
    }

    for (const scenario of ruleScenarios) {
      describe(scenario.rule, () => {
        it('stays quiet just inside its boundary and fires just past it (alert: the authorization goes through)', async () => {
          const { quiet, firing } = await fireScenario(scenario, 'alert');
          assert.equal(quiet.status, 'pending', JSON.stringify(quiet));
          assert.deepEqual(await alertsOfTransaction(testApp, quiet.id), [], 'no alert inside the boundary');
          assert.equal(firing.status, 'pending', JSON.stringify(firing));
          const alerts = await alertsOfTransaction(testApp, firing.id);
          assert.deepEqual(
            alerts.map((alert: Json) => [alert.rule, alert.action, alert.outcome, alert.status, alert.dryRun]),
            [[scenario.rule, 'alert', 'alerted', 'open', false]],
          );
          const events = await eventsAbout(testApp, alerts[0].id, riskEventType(scenario.rule));
          assert.equal(events.length, 1, `one ${riskEventType(scenario.rule)} event`);
          assert.equal((events[0]!.object as Json).id, alerts[0].id);
          assert.equal((await cardOf(testApp, firing.cardId)).status, 'active');
        });

        it('decline: the authorization is declined risk_declined and nothing moves', async () => {
          const { world, firing, balanceBefore } = await fireScenario(scenario, 'decline');
          assert.deepEqual([firing.status, firing.declineReason], ['declined', 'risk_declined']);
          const alerts = await alertsOfTransaction(testApp, firing.id);
          assert.deepEqual(
            alerts.map((alert: Json) => [alert.rule, alert.outcome]),
            [[scenario.rule, 'declined']],
          );
          assert.deepEqual(await balanceOf(testApp, world.holder.userId), balanceBefore);
          assert.equal((await cardOf(testApp, world.cardId)).status, 'active');
        });

        it('freeze_card: approved, then the card is frozen with statusReason risk_<rule> and card.frozen recorded', async () => {
          const { world, firing } = await fireScenario(scenario, 'freeze_card');
          assert.equal(firing.status, 'pending');
          const card = await cardOf(testApp, world.cardId);
          assert.deepEqual([card.status, card.statusReason], ['frozen', `risk_${riskRuleSnakeName(scenario.rule)}`]);
          const frozen = await eventsAbout(testApp, world.cardId, 'card.frozen');
          assert.equal(frozen.length, 1);
          assert.deepEqual((frozen[0]!.object as Json).statusChange.by, { kind: 'system', id: scenario.rule });
          assert.deepEqual(
            (await alertsOfTransaction(testApp, firing.id)).map((alert: Json) => alert.outcome),
            ['card_frozen'],
          );
        });

        it('suspend_agent: approved, the agent is suspended and every card of it frozen, in the same transaction', async () => {
          const { world, firing, others } = await fireScenario(scenario, 'suspend_agent', { extraCards: 2 });
          assert.equal(firing.status, 'pending');
          const agent = await call(testApp, 'GET', `/v1/agents/${world.holder.agentId}`);
          assert.deepEqual([agent.status, agent.statusReason], ['suspended', `risk_${riskRuleSnakeName(scenario.rule)}`]);
          for (const cardId of [world.cardId, ...others]) {
            const card = await cardOf(testApp, cardId);
            assert.deepEqual([card.status, card.statusReason], ['frozen', 'agent_suspended'], cardId);
          }
          // One commit: the suspension, the freezes and the alert carry the authorization's time and follow its event.
          const created = await eventsAbout(testApp, firing.id, 'transaction.created');
          const suspended = await eventsAbout(testApp, world.holder.agentId, 'agent.suspended');
          assert.equal(suspended.length, 1);
          assert.ok(suspended[0]!.id > created[0]!.id);
          assert.equal((suspended[0]!.object as Json).updatedAt, firing.createdAt);
          assert.deepEqual(
            (await alertsOfTransaction(testApp, firing.id)).map((alert: Json) => alert.outcome),
            ['agent_suspended'],
          );
        });

        it('dry run: a decline rule records its alert and risk event but the authorization goes through', async () => {
          const { world, firing } = await fireScenario(scenario, 'decline', { dryRun: true });
          assert.equal(firing.status, 'pending', JSON.stringify(firing));
          const alerts = await alertsOfTransaction(testApp, firing.id);
          assert.deepEqual(
            alerts.map((alert: Json) => [alert.rule, alert.action, alert.outcome, alert.dryRun]),
            [[scenario.rule, 'decline', 'dry_run', true]],
          );
          assert.equal((await eventsAbout(testApp, alerts[0].id, riskEventType(scenario.rule))).length, 1);
          assert.equal((await cardOf(testApp, world.cardId)).status, 'active');
        });

        it('cascade: the card overrides the agent, which overrides the organization', async () => {
          await onlyRule(testApp, scenario.rule, { action: 'alert', parameters: scenario.parameters });
          const outcomeWith = async (agentAction: RiskAction | undefined, cardAction: RiskAction | undefined): Promise<string[]> => {
            const holderWorld = await ruleWorld(testApp, scenario.rule, {});
            // A fresh agent for each case: set its override, then the card (merchant drift's card level is the card's onDrift).
            if (agentAction !== undefined) await call(testApp, 'PATCH', `/v1/agents/${holderWorld.holder.agentId}/risk`, { rules: { [scenario.rule]: { action: agentAction } } });
            const card = await issueCard(testApp, holderWorld.holder, { type: 'multi', maxAmount: 50_000, merchantDriftEnabled: scenario.rule === 'merchantDrift' });
            const world = { ...holderWorld, cardId: card.id };
            if (cardAction !== undefined) await call(testApp, 'PATCH', `/v1/cards/${card.id}/risk`, { rules: { [scenario.rule]: { action: cardAction } } });
            const effective = await call(testApp, 'GET', `/v1/cards/${card.id}/risk`);
            assert.equal(effective.effective.rules[scenario.rule].action, cardAction ?? agentAction ?? 'alert');
            await scenario.arrange(world);
            await scenario.quiet(world);
            const firing = await scenario.fire(world);
            return (await alertsOfTransaction(testApp, firing.id)).map((alert: Json) => alert.outcome);
          };
          assert.deepEqual(await outcomeWith(undefined, undefined), ['alerted'], 'organization');
          assert.deepEqual(await outcomeWith('freeze_card', undefined), ['card_frozen'], 'agent over organization');
          assert.deepEqual(await outcomeWith('freeze_card', 'decline'), ['declined'], 'card over agent');
        });
      });
    }

    it('the ledger is sound after every rule and action above', async () => {
      await assertLedgerSound(testApp);
    });
  });
}
