// Risk settings, presets, overrides and alerts through the API (SPEC §4 "Risk engine"), and seed 000's
// merchant-drift troubleshooting, on both stores.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { riskPresets } from '../../../src/domain/risk-rules.js';
import { assertError, useTestApp } from '../../helpers/app.js';
import { assertLedgerSound } from '../../helpers/money.js';
import { storeKinds } from '../../helpers/stores.js';
import { authorizeAt, cardOf, eventsAbout, fundedCardholder, issueCard } from '../../network/arrange.js';
import { alertsOfTransaction, call, type Json } from './arrange.js';

for (const kind of storeKinds) {
  describe(`risk settings and alerts (${kind})`, () => {
    const testApp = useTestApp({ store: kind });

    it('an organization without settings has the moderate preset; PATCH changes only what it names and makes it custom', async () => {
      await call(testApp, 'POST', '/v1/settings/risk/preset', { preset: 'moderate' });
      const initial = await call(testApp, 'GET', '/v1/settings/risk');
      assert.deepEqual([initial.object, initial.preset, initial.dryRun], ['risk_settings', 'moderate', false]);
      assert.deepEqual(initial.rules, riskPresets.moderate);

      const patched = await call(testApp, 'PATCH', '/v1/settings/risk', { rules: { velocity: { maxPerHour: 7 } } });
      assert.equal(patched.preset, 'custom');
      assert.deepEqual(patched.rules.velocity, { ...riskPresets.moderate.velocity, maxPerHour: 7 });
      assert.deepEqual(patched.rules.duplicate, riskPresets.moderate.duplicate);
      assert.deepEqual(await call(testApp, 'GET', '/v1/settings/risk'), patched);
      const events = (await testApp.store.db.all<{ type: string }>(`SELECT type FROM events WHERE type = 'risk_settings.updated'`)).length;
      assert.ok(events >= 2, 'each change is recorded as risk_settings.updated');
    });

    it('presets replace every rule; dryRun is set with them', async () => {
      for (const preset of ['permissive', 'strict', 'paranoid', 'moderate'] as const) {
        const applied = await call(testApp, 'POST', '/v1/settings/risk/preset', { preset, dryRun: preset === 'paranoid' });
        assert.deepEqual([applied.preset, applied.dryRun, applied.rules], [preset, preset === 'paranoid', riskPresets[preset]]);
      }
    });

    it("LedgerOS's rule names at the top level: duplicateDetection, velocityLimit, cooldownViolation", async () => {
      const moderate = await call(testApp, 'POST', '/v1/settings/risk/preset', { preset: 'moderate' });
      assert.deepEqual(
        [moderate.duplicateDetection, moderate.velocityLimit, moderate.cooldownViolation],
        [riskPresets.moderate.duplicate, riskPresets.moderate.velocity, riskPresets.moderate.cooldown],
        'the answer repeats the three rules under their LedgerOS names',
      );

      const patched = await call(testApp, 'PATCH', '/v1/settings/risk', {
        duplicateDetection: { windowMinutes: 9 },
        velocityLimit: { maxPerHour: 3, action: 'decline' },
        cooldownViolation: { enabled: true, minutes: 4 },
        rules: { spendSpike: { multiplier: 6 } },
      });
      assert.equal(patched.preset, 'custom');
      assert.deepEqual(patched.rules.duplicate, { ...riskPresets.moderate.duplicate, windowMinutes: 9 });
      assert.deepEqual(patched.rules.velocity, { ...riskPresets.moderate.velocity, maxPerHour: 3, action: 'decline' });
      assert.deepEqual(patched.rules.cooldown, { ...riskPresets.moderate.cooldown, enabled: true, minutes: 4 });
      assert.deepEqual(patched.rules.spendSpike, { ...riskPresets.moderate.spendSpike, multiplier: 6 });
      assert.deepEqual([patched.duplicateDetection, patched.velocityLimit, patched.cooldownViolation], [patched.rules.duplicate, patched.rules.velocity, patched.rules.cooldown]);
      assert.deepEqual(await call(testApp, 'GET', '/v1/settings/risk'), patched);

      // One rule under both names is refused, even with equal values; nothing changes.
      for (const [alias, rule, value] of [
        ['duplicateDetection', 'duplicate', { windowMinutes: 9 }],
        ['velocityLimit', 'velocity', { maxPerHour: 5 }],
        ['cooldownViolation', 'cooldown', { minutes: 2 }],
      ] as const) {
        const both = await testApp.request('PATCH', '/v1/settings/risk', { body: { [alias]: value, rules: { [rule]: value } } });
        assertError(both, { status: 422, type: 'validation_error', code: 'conflicting_parameters', param: alias });
        assert.match(both.json.error.message, new RegExp(`${alias} and rules\\.${rule}`));
      }
      const wrong = await testApp.request('PATCH', '/v1/settings/risk', { body: { velocityLimit: { maxPerHour: 0 } } });
      assertError(wrong, { status: 422, type: 'validation_error', code: 'invalid_parameter_value', param: 'velocityLimit.maxPerHour' });
      assertError(await testApp.request('PATCH', '/v1/settings/risk', { body: { velocityLimit: { maxPerHuor: 5 } } }), {
        status: 422,
        type: 'validation_error',
        code: 'unknown_parameter',
        param: 'velocityLimit.maxPerHuor',
      });
      assert.deepEqual(await call(testApp, 'GET', '/v1/settings/risk'), patched);

      // With a preset they adjust its table; the result is then custom.
      const adjusted = await call(testApp, 'POST', '/v1/settings/risk/preset', { preset: 'strict', velocityLimit: { maxPerDay: 40 } });
      assert.equal(adjusted.preset, 'custom');
      assert.deepEqual(adjusted.rules, { ...riskPresets.strict, velocity: { ...riskPresets.strict.velocity, maxPerDay: 40 } });
      const unchanged = await call(testApp, 'POST', '/v1/settings/risk/preset', { preset: 'strict', cooldownViolation: riskPresets.strict.cooldown });
      assert.equal(unchanged.preset, 'strict', 'adjustments that change nothing keep the preset');
      await call(testApp, 'POST', '/v1/settings/risk/preset', { preset: 'moderate' });
    });

    it('bad settings answer 4xx and change nothing', async () => {
      await call(testApp, 'POST', '/v1/settings/risk/preset', { preset: 'moderate' });
      const before = await call(testApp, 'GET', '/v1/settings/risk');
      const bad: Array<[string, string, unknown, number, string]> = [
        ['PATCH', '/v1/settings/risk', { rules: { velocty: { enabled: true } } }, 422, 'unknown_parameter'],
        ['PATCH', '/v1/settings/risk', { rules: { velocity: { action: 'explode' } } }, 422, 'invalid_parameter_value'],
        ['PATCH', '/v1/settings/risk', { rules: { velocity: { maxPerHour: 0 } } }, 422, 'invalid_parameter_value'],
        ['PATCH', '/v1/settings/risk', { rules: { velocity: { maxPerHour: 'many' } } }, 400, 'invalid_parameter_type'],
        ['PATCH', '/v1/settings/risk', { rules: { cooldown: { minutes: 1.5 } } }, 400, 'invalid_parameter_type'],
        ['PATCH', '/v1/settings/risk', { dryRun: 'yes' }, 400, 'invalid_parameter_type'],
        ['POST', '/v1/settings/risk/preset', { preset: 'lenient' }, 422, 'invalid_parameter_value'],
        ['POST', '/v1/settings/risk/preset', {}, 400, 'missing_parameter'],
      ];
      for (const [method, url, body, status, code] of bad) {
        const response = await testApp.request(method, url, { body });
        assert.equal(response.statusCode, status, `${JSON.stringify(body)}: ${response.body}`);
        assert.equal(response.json.error.code, code, JSON.stringify(body));
      }
      assert.deepEqual(await call(testApp, 'GET', '/v1/settings/risk'), before);
      const holder = await fundedCardholder(testApp, 0);
      const unknownAgent = await testApp.request('PATCH', '/v1/agents/agent_00000000000000000000000000/risk', { body: { dryRun: true } });
      assertError(unknownAgent, { status: 404, type: 'not_found_error', code: 'resource_not_found' });
      const badOverride = await testApp.request('PATCH', `/v1/agents/${holder.agentId}/risk`, { body: { rules: { duplicate: { windowMinutes: -1 } } } });
      assert.equal(badOverride.statusCode, 422, badOverride.body);
      assert.deepEqual((await call(testApp, 'GET', `/v1/agents/${holder.agentId}/risk`)).overrides, {});
    });

    it('agent and card overrides: merge patch, null removes, effective settings shown at each level', async () => {
      await call(testApp, 'POST', '/v1/settings/risk/preset', { preset: 'moderate' });
      const holder = await fundedCardholder(testApp, 100_000);
      const agent = await call(testApp, 'PATCH', `/v1/agents/${holder.agentId}/risk`, { dryRun: true, rules: { velocity: { maxPerHour: 3, action: 'decline' } } });
      assert.deepEqual([agent.object, agent.level, agent.agentId, agent.cardId], ['risk_overrides', 'agent', holder.agentId, null]);
      assert.deepEqual(agent.overrides, { dryRun: true, rules: { velocity: { maxPerHour: 3, action: 'decline' } } });
      assert.deepEqual([agent.effective.dryRun, agent.effective.rules.velocity], [true, { ...riskPresets.moderate.velocity, maxPerHour: 3, action: 'decline' }]);

      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 1_000 });
      const cardLevel = await call(testApp, 'PATCH', `/v1/cards/${card.id}/risk`, { dryRun: false, rules: { velocity: { maxPerHour: 9 } } });
      assert.deepEqual(cardLevel.overrides.rules.velocity, { maxPerHour: 9 });
      assert.deepEqual(cardLevel.overrides.rules.merchantDrift, { enabled: true, action: 'alert' }, "the card's own drift setting");
      assert.deepEqual([cardLevel.effective.dryRun, cardLevel.effective.rules.velocity], [false, { ...riskPresets.moderate.velocity, maxPerHour: 9, action: 'decline' }]);

      const removed = await call(testApp, 'PATCH', `/v1/cards/${card.id}/risk`, { dryRun: null, rules: { velocity: null } });
      assert.deepEqual([removed.effective.dryRun, removed.effective.rules.velocity.maxPerHour], [true, 3]);
      const agentCleared = await call(testApp, 'PATCH', `/v1/agents/${holder.agentId}/risk`, { dryRun: null, rules: { velocity: { action: null } } });
      assert.deepEqual(agentCleared.overrides, { rules: { velocity: { maxPerHour: 3 } } });
    });

    it("a card's merchant drift defaults to the agent's or organization's setting at creation, and null resets it", async () => {
      await call(testApp, 'POST', '/v1/settings/risk/preset', { preset: 'strict' });
      const holder = await fundedCardholder(testApp, 100_000);
      const strictCard = await issueCard(testApp, holder, { type: 'multi', maxAmount: 1_000 });
      assert.deepEqual([strictCard.merchantDriftEnabled, strictCard.onDrift], [true, 'freeze_card']);
      const explicit = await issueCard(testApp, holder, { type: 'multi', maxAmount: 1_000, onDrift: 'alert', merchantDriftEnabled: false });
      assert.deepEqual([explicit.merchantDriftEnabled, explicit.onDrift], [false, 'alert']);
      await call(testApp, 'PATCH', `/v1/agents/${holder.agentId}/risk`, { rules: { merchantDrift: { action: 'suspend_agent' } } });
      const reset = await call(testApp, 'PATCH', `/v1/cards/${explicit.id}/risk`, { rules: { merchantDrift: null } });
      assert.deepEqual(reset.overrides.rules.merchantDrift, { enabled: true, action: 'suspend_agent' });
      const shown = await cardOf(testApp, explicit.id);
      assert.deepEqual([shown.merchantDriftEnabled, shown.onDrift], [true, 'suspend_agent']);
      // One field at a time: a value sets it, null takes the inherited value again.
      await call(testApp, 'PATCH', `/v1/cards/${explicit.id}/risk`, { rules: { merchantDrift: { enabled: false, action: 'alert' } } });
      const fieldReset = await call(testApp, 'PATCH', `/v1/cards/${explicit.id}/risk`, { rules: { merchantDrift: { action: null } } });
      assert.deepEqual(fieldReset.overrides.rules.merchantDrift, { enabled: false, action: 'suspend_agent' });
      await call(testApp, 'POST', '/v1/settings/risk/preset', { preset: 'moderate' });
    });

    it('alerts: list with filters and cursor, get, resolve once with a note; unfreezing a risk-frozen card is recorded', async () => {
      await call(testApp, 'POST', '/v1/settings/risk/preset', { preset: 'moderate' });
      await call(testApp, 'PATCH', '/v1/settings/risk', { rules: { unattestedSpend: { action: 'freeze_card' } } });
      const holder = await fundedCardholder(testApp, 100_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 5_000 });
      const transaction = await authorizeAt(testApp, { cardId: card.id }, 100, 'Amazon');
      assert.equal(transaction.status, 'pending');
      const [alert] = await alertsOfTransaction(testApp, transaction.id);
      assert.deepEqual([alert.rule, alert.outcome, alert.cardId, alert.agentId, alert.userId], ['unattestedSpend', 'card_frozen', card.id, holder.agentId, holder.userId]);
      assert.deepEqual([alert.facts.attestation, alert.facts.amount, alert.facts.merchant], ['unattested', 100, 'amazon']);

      const byCard = await call(testApp, 'GET', `/v1/risk/alerts?cardId=${card.id}&status=open&rule=unattestedSpend`);
      assert.deepEqual(
        byCard.data.map((item: Json) => item.id),
        [alert.id],
      );
      const other = await issueCard(testApp, holder, { type: 'multi', maxAmount: 5_000 });
      await authorizeAt(testApp, { cardId: other.id }, 100, 'Amazon');
      const pageOne = await call(testApp, 'GET', '/v1/risk/alerts?limit=1');
      assert.equal(pageOne.hasMore, true);
      const pageTwo = await call(testApp, 'GET', `/v1/risk/alerts?limit=1&cursor=${pageOne.nextCursor}`);
      assert.notEqual(pageTwo.data[0].id, pageOne.data[0].id);
      assertError(await testApp.request('GET', '/v1/risk/alerts?rule=speeding'), { status: 422, type: 'validation_error', code: 'invalid_parameter_value' });

      const resolved = await call(testApp, 'POST', `/v1/risk/alerts/${alert.id}/resolve`, { note: 'the agent forgot to declare; reviewed' });
      assert.equal(resolved.status, 'resolved');
      assert.equal(resolved.resolution.note, 'the agent forgot to declare; reviewed');
      assert.match(resolved.resolution.by, /^key_/);
      assert.deepEqual(await call(testApp, 'GET', `/v1/risk/alerts/${alert.id}`), resolved);
      assertError(await testApp.request('POST', `/v1/risk/alerts/${alert.id}/resolve`, { body: {} }), { status: 409, type: 'conflict_error', code: 'invalid_status_transition' });
      assert.equal((await call(testApp, 'GET', `/v1/risk/alerts?cardId=${card.id}&status=open`)).data.length, 0);

      // Seed 000: "If risk freeze: review in dashboard, unfreeze if appropriate: POST /v1/cards/card_xxx/unfreeze".
      assert.deepEqual([(await cardOf(testApp, card.id)).statusReason], ['risk_unattested_spend']);
      const unfrozen = await call(testApp, 'POST', `/v1/cards/${card.id}/unfreeze`);
      assert.equal(unfrozen.status, 'active');
      const recorded = await eventsAbout(testApp, card.id, 'card.unfrozen');
      assert.equal(recorded.length, 1);
      assert.equal((recorded[0]!.object as Json).statusChange.previousStatusReason, 'risk_unattested_spend');
      assert.equal((recorded[0]!.object as Json).statusChange.by.kind, 'apiKey');
      await assertLedgerSound(testApp);
    });

    describe('seed 000: "Transaction completes but triggers risk.merchant_drift webhook"', () => {
      it('a multi-use card used at a second merchant completes and emits risk.merchant_drift; onDrift freeze_card freezes it', async () => {
        await call(testApp, 'POST', '/v1/settings/risk/preset', { preset: 'moderate' });
        const holder = await fundedCardholder(testApp, 100_000);
        const alerting = await issueCard(testApp, holder, { type: 'multi', maxAmount: 5_000 });
        assert.equal(alerting.merchantDriftEnabled, true, 'enabled by default for multi-use cards');
        await authorizeAt(testApp, { cardId: alerting.id }, 1_000, 'Amazon');
        const second = await authorizeAt(testApp, { cardId: alerting.id }, 1_000, 'Best Buy');
        assert.equal(second.status, 'pending', 'the transaction completes');
        const drift = (await alertsOfTransaction(testApp, second.id)).filter((alert: Json) => alert.rule === 'merchantDrift');
        assert.equal(drift.length, 1);
        assert.equal((await eventsAbout(testApp, drift[0].id, 'risk.merchant_drift')).length, 1);
        assert.equal((await cardOf(testApp, alerting.id)).status, 'active', 'alert only');

        const freezing = await issueCard(testApp, holder, { type: 'multi', maxAmount: 5_000, onDrift: 'freeze_card' });
        await authorizeAt(testApp, { cardId: freezing.id }, 1_000, 'Amazon');
        const drifted = await authorizeAt(testApp, { cardId: freezing.id }, 1_000, 'Best Buy');
        assert.equal(drifted.status, 'pending');
        const frozen = await cardOf(testApp, freezing.id);
        assert.deepEqual([frozen.status, frozen.statusReason], ['frozen', 'risk_merchant_drift']);
        const after = await authorizeAt(testApp, { cardId: freezing.id }, 1_000, 'Amazon');
        assert.deepEqual([after.status, after.declineReason], ['declined', 'card_frozen']);
      });

      it('creating the card with merchantDriftEnabled: false stops it', async () => {
        await call(testApp, 'POST', '/v1/settings/risk/preset', { preset: 'moderate' });
        const holder = await fundedCardholder(testApp, 100_000);
        const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 5_000, merchantDriftEnabled: false, onDrift: 'freeze_card' });
        await authorizeAt(testApp, { cardId: card.id }, 1_000, 'Amazon');
        const second = await authorizeAt(testApp, { cardId: card.id }, 1_000, 'Best Buy');
        assert.equal(second.status, 'pending');
        assert.deepEqual(
          (await alertsOfTransaction(testApp, second.id)).filter((alert: Json) => alert.rule === 'merchantDrift'),
          [],
        );
        assert.equal((await cardOf(testApp, card.id)).status, 'active');
      });
    });
  });
}
