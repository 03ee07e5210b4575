// Card details whose attestation contradicts the declared intent (SPEC §4 "Intents and credential access", "Risk
// engine"): the answer carries `warnings`, the access records them (credential.accessed and its access row), and the
// risk rule attestationMismatch alerts (the default), declines the details with 409 attestation_mismatch (its alert
// still recorded), freezes the card or suspends the agent after serving them, or only records in dry run.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { assertError, useTestApp, type TestApp } from '../../helpers/app.js';
import { assertLedgerSound } from '../../helpers/money.js';
import { storeKinds } from '../../helpers/stores.js';
import { agentWithCard, countRows, declareIntent, eventsAbout, getIntent, readDetails } from './arrange.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

const attestationMismatch = { status: 409, type: 'conflict_error', code: 'attestation_mismatch' };
/** 10 % over the intent's 12 999 cents is 14 298.9: 14 298 still matches, 14 299 does not. */
const amountJustInside = 14_298;
const amountJustOutside = 14_299;

async function setRule(testApp: TestApp, rule: Record<string, unknown>, dryRun = false): Promise<void> {
  const response = await testApp.request('PATCH', '/v1/settings/risk', { body: { dryRun, rules: { attestationMismatch: rule } } });
  assert.equal(response.statusCode, 200, response.body);
}

async function alertsOfCard(testApp: TestApp, cardId: string): Promise<Json[]> {
  const response = await testApp.request('GET', `/v1/risk/alerts?rule=attestationMismatch&cardId=${cardId}`);
  assert.equal(response.statusCode, 200, response.body);
  return response.json.data;
}

async function accessRows(testApp: TestApp, cardId: string): Promise<Array<{ id: string; warnings: string | null }>> {
  return testApp.store.db.all('SELECT id, warnings FROM card_detail_accesses WHERE card_id = ? ORDER BY id', [cardId]);
}

function fieldsOf(warnings: Array<{ code: string; field: string }>): string[][] {
  return warnings.map((warning) => [warning.code, warning.field]);
}

for (const kind of storeKinds) {
  describe(`attestation against the intent (${kind})`, () => {
    const testApp = useTestApp({ store: kind });
    afterEach(async () => {
      await assertLedgerSound(testApp);
      // Each test sets the organization's rule as it needs; back to the default table.
      const reset = await testApp.request('POST', '/v1/settings/risk/preset', { body: { preset: 'moderate' } });
      assert.equal(reset.statusCode, 200, reset.body);
    });

    it('an attestation that agrees (merchant alias, amount within 10 %) has no warnings and raises no alert', async () => {
      const { token, cardId } = await agentWithCard(testApp);
      await declareIntent(testApp, cardId, token);
      for (const body of [{}, { merchantText: 'AMAZON.COM' }, { merchantText: 'Amazon Marketplace', expectedAmount: amountJustInside }, { expectedAmount: 11_700 }]) {
        const response = await readDetails(testApp, cardId, token, body);
        assert.equal(response.statusCode, 200, response.body);
        assert.deepEqual(response.json.warnings, [], JSON.stringify(body));
      }
      assert.deepEqual(await alertsOfCard(testApp, cardId), []);
      assert.deepEqual(
        (await accessRows(testApp, cardId)).map((row) => row.warnings),
        [null, null, null, null],
      );
    });

    it('another merchant (moderate preset: alert): served with warnings, recorded on the access, alert and risk.attestation_mismatch', async () => {
      const { token, cardId, agentId, userId } = await agentWithCard(testApp);
      const intent = await declareIntent(testApp, cardId, token);
      const response = await readDetails(testApp, cardId, token, { merchantText: 'Walmart' });
      assert.equal(response.statusCode, 200, response.body);
      assert.match(response.json.pan, /^\d{16}$/);
      assert.deepEqual(fieldsOf(response.json.warnings), [['attestation_mismatch', 'merchantText']]);
      assert.equal(typeof response.json.warnings[0].message, 'string');
      assert.equal((await getIntent(testApp, intent.id)).status, 'revealed', 'served: the intent is revealed');

      // The access records the mismatch: the credential.accessed event and its row.
      const accessEvent = await testApp.store.db.get<{ type: string; data: string }>('SELECT type, data FROM events WHERE id = ?', [response.json.accessEventId]);
      assert.equal(accessEvent?.type, 'credential.accessed');
      assert.deepEqual(JSON.parse(accessEvent.data).object.warnings, response.json.warnings);
      const rows = await accessRows(testApp, cardId);
      assert.deepEqual(
        rows.map((row) => row.id),
        [response.json.accessEventId],
      );
      assert.deepEqual(JSON.parse(rows[0]!.warnings!), response.json.warnings);

      // The rule alerted, after the access.
      const alerts = await alertsOfCard(testApp, cardId);
      assert.equal(alerts.length, 1);
      const [alert] = alerts;
      assert.deepEqual([alert.rule, alert.eventType, alert.action, alert.outcome, alert.dryRun, alert.status], ['attestationMismatch', 'risk.attestation_mismatch', 'alert', 'alerted', false, 'open']);
      assert.deepEqual([alert.cardId, alert.agentId, alert.userId, alert.transactionId], [cardId, agentId, userId, null]);
      assert.equal(alert.facts.intentId, intent.id);
      assert.equal(alert.facts.accessEventId, response.json.accessEventId);
      assert.deepEqual(alert.facts.mismatches, ['merchantText']);
      assert.deepEqual([alert.facts.declaredMerchant, alert.facts.merchantText], ['Amazon', 'Walmart']);
      const riskEvents = await eventsAbout(testApp, cardId, 'risk.attestation_mismatch');
      assert.equal(riskEvents.length, 1);
      assert.equal(JSON.parse(riskEvents[0]!.data).object.id, alert.id);
      assert.ok(riskEvents[0]!.id > response.json.accessEventId, 'the alert follows the access');
      assert.equal((await testApp.request('GET', `/v1/cards/${cardId}`)).json.status, 'active', 'alert only');
    });

    it('an amount outside the tolerance warns on expectedAmount; both at once warn on both', async () => {
      const { token, cardId } = await agentWithCard(testApp);
      await declareIntent(testApp, cardId, token);
      const over = await readDetails(testApp, cardId, token, { expectedAmount: amountJustOutside });
      assert.equal(over.statusCode, 200, over.body);
      assert.deepEqual(fieldsOf(over.json.warnings), [['attestation_mismatch', 'expectedAmount']]);
      const under = await readDetails(testApp, cardId, token, { expectedAmount: 11_698 });
      assert.deepEqual(fieldsOf(under.json.warnings), [['attestation_mismatch', 'expectedAmount']]);
      const both = await readDetails(testApp, cardId, token, { expectedAmount: 50_000, merchantText: 'Best Buy' });
      assert.deepEqual(fieldsOf(both.json.warnings), [
        ['attestation_mismatch', 'merchantText'],
        ['attestation_mismatch', 'expectedAmount'],
      ]);
      const alerts = await alertsOfCard(testApp, cardId);
      assert.deepEqual(
        alerts.map((alert: Json) => alert.facts.mismatches),
        [['merchantText', 'expectedAmount'], ['expectedAmount'], ['expectedAmount']],
        'one alert per contradicting read, newest first',
      );
    });

    it('decline: 409 attestation_mismatch, nothing served or revealed, but the alert and its event are kept; an Idempotency-Key replays the refusal', async () => {
      await setRule(testApp, { enabled: true, action: 'decline' });
      const { token, cardId } = await agentWithCard(testApp);
      const intent = await declareIntent(testApp, cardId, token);

      const headers = { 'Idempotency-Key': `attestation-decline-${kind}` };
      const refused = await readDetails(testApp, cardId, token, { merchantText: 'Walmart' }, headers);
      assertError(refused, { ...attestationMismatch, param: 'merchantText' });
      assert.equal(refused.body.includes('"pan"'), false);
      assert.equal((await getIntent(testApp, intent.id)).status, 'pending', 'not revealed');
      assert.deepEqual(await eventsAbout(testApp, cardId, 'credential.accessed'), []);
      assert.equal(await countRows(testApp, 'SELECT COUNT(*) AS count FROM card_detail_accesses WHERE card_id = ?', [cardId]), 0);
      const alerts = await alertsOfCard(testApp, cardId);
      assert.deepEqual(
        alerts.map((alert: Json) => [alert.action, alert.outcome, alert.facts.accessEventId, alert.facts.intentId]),
        [['decline', 'declined', null, intent.id]],
      );
      assert.equal((await eventsAbout(testApp, cardId, 'risk.attestation_mismatch')).length, 1);

      const replay = await readDetails(testApp, cardId, token, { merchantText: 'Walmart' }, headers);
      assert.equal(replay.statusCode, 409, replay.body);
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      assert.deepEqual(replay.json, refused.json);
      assert.equal((await alertsOfCard(testApp, cardId)).length, 1, 'the replay records nothing');

      assertError(await readDetails(testApp, cardId, token, { expectedAmount: amountJustOutside }), { ...attestationMismatch, param: 'expectedAmount' });
      assert.equal((await alertsOfCard(testApp, cardId)).length, 2);

      // The declared purchase is still served.
      const served = await readDetails(testApp, cardId, token);
      assert.equal(served.statusCode, 200, served.body);
      assert.deepEqual(served.json.warnings, []);
      assert.equal((await getIntent(testApp, intent.id)).status, 'revealed');
    });

    it('dry run: a decline only records (outcome dry_run) and the details are served with their warnings', async () => {
      await setRule(testApp, { enabled: true, action: 'decline' }, true);
      const { token, cardId } = await agentWithCard(testApp);
      await declareIntent(testApp, cardId, token);
      const response = await readDetails(testApp, cardId, token, { merchantText: 'Walmart' });
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(fieldsOf(response.json.warnings), [['attestation_mismatch', 'merchantText']]);
      assert.deepEqual(
        (await alertsOfCard(testApp, cardId)).map((alert: Json) => [alert.action, alert.outcome, alert.dryRun]),
        [['decline', 'dry_run', true]],
      );
    });

    it('freeze_card: served, then the card is frozen with statusReason risk_attestation_mismatch; further reads are refused', async () => {
      await setRule(testApp, { enabled: true, action: 'freeze_card' });
      const { token, cardId } = await agentWithCard(testApp);
      await declareIntent(testApp, cardId, token);
      const response = await readDetails(testApp, cardId, token, { merchantText: 'Walmart' });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json.warnings.length, 1);
      const card = (await testApp.request('GET', `/v1/cards/${cardId}`)).json;
      assert.deepEqual([card.status, card.statusReason], ['frozen', 'risk_attestation_mismatch']);
      const frozen = await eventsAbout(testApp, cardId, 'card.frozen');
      assert.equal(frozen.length, 1);
      assert.deepEqual(JSON.parse(frozen[0]!.data).object.statusChange.by, { kind: 'system', id: 'attestationMismatch' });
      assert.deepEqual(
        (await alertsOfCard(testApp, cardId)).map((alert: Json) => [alert.action, alert.outcome]),
        [['freeze_card', 'card_frozen']],
      );
      assertError(await readDetails(testApp, cardId, token), { status: 409, type: 'conflict_error', code: 'card_not_active' });
    });

    it('suspend_agent: served, then the agent is suspended and its cards frozen', async () => {
      await setRule(testApp, { enabled: true, action: 'suspend_agent' });
      const { token, cardId, agentId } = await agentWithCard(testApp);
      await declareIntent(testApp, cardId, token);
      const response = await readDetails(testApp, cardId, token, { expectedAmount: 99_999 });
      assert.equal(response.statusCode, 200, response.body);
      const agent = (await testApp.request('GET', `/v1/agents/${agentId}`)).json;
      assert.deepEqual([agent.status, agent.statusReason], ['suspended', 'risk_attestation_mismatch']);
      assert.equal((await testApp.request('GET', `/v1/cards/${cardId}`)).json.status, 'frozen');
      assert.deepEqual(
        (await alertsOfCard(testApp, cardId)).map((alert: Json) => [alert.action, alert.outcome]),
        [['suspend_agent', 'agent_suspended']],
      );
    });

    it('the cascade applies: a card override turns a declining rule off, an agent override makes it decline', async () => {
      await setRule(testApp, { enabled: true, action: 'decline' });
      const { token, cardId } = await agentWithCard(testApp);
      await declareIntent(testApp, cardId, token);
      const override = await testApp.request('PATCH', `/v1/cards/${cardId}/risk`, { body: { rules: { attestationMismatch: { enabled: false } } } });
      assert.equal(override.statusCode, 200, override.body);
      assert.deepEqual(override.json.effective.rules.attestationMismatch, { enabled: false, action: 'decline' });
      const served = await readDetails(testApp, cardId, token, { merchantText: 'Walmart' });
      assert.equal(served.statusCode, 200, served.body);
      assert.equal(served.json.warnings.length, 1, 'the warnings are answered whatever the rule');
      assert.deepEqual(await alertsOfCard(testApp, cardId), []);

      await setRule(testApp, { enabled: true, action: 'alert' });
      const other = await agentWithCard(testApp);
      await declareIntent(testApp, other.cardId, other.token);
      assert.equal((await testApp.request('PATCH', `/v1/agents/${other.agentId}/risk`, { body: { rules: { attestationMismatch: { action: 'decline' } } } })).statusCode, 200);
      assertError(await readDetails(testApp, other.cardId, other.token, { merchantText: 'Walmart' }), { ...attestationMismatch, param: 'merchantText' });
    });

    it('presets: alert in permissive, moderate and strict; decline in paranoid', async () => {
      for (const [preset, action] of [
        ['permissive', 'alert'],
        ['moderate', 'alert'],
        ['strict', 'alert'],
        ['paranoid', 'decline'],
      ] as const) {
        const applied = await testApp.request('POST', '/v1/settings/risk/preset', { body: { preset } });
        assert.equal(applied.statusCode, 200, applied.body);
        assert.deepEqual(applied.json.rules.attestationMismatch, { enabled: true, action }, preset);
      }
      const { token, cardId } = await agentWithCard(testApp);
      await declareIntent(testApp, cardId, token);
      assertError(await readDetails(testApp, cardId, token, { merchantText: 'Walmart' }), { ...attestationMismatch, param: 'merchantText' });
    });
  });
}
