// The approval settings (SPEC §4 "Approval"): approvalMethod (who may approve an intent that needs approval) and
// approvalTimeoutMinutes (how long it waits), as fields of agents, cards and spending policies; their resolution for a
// card, each field on its own (card, its policy, its agent's default policy, the agent), as GET /v1/cards/{id}/policy
// shows it; the validation; and an agent token, which may make its own card's approval stricter, never weaker.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getAgent } from '../../../src/modules/agents/service.js';
import { getCard } from '../../../src/modules/cards/service.js';
import { approvalSettingsOf } from '../../../src/modules/policies/card-policy.js';
import { migrate } from '../../../src/store/migrate.js';
import { assertError, scopeOf, useTestApp, type TestApp, type TestResponse } from '../../helpers/app.js';
import { storeKinds } from '../../helpers/stores.js';
import { eventsAbout, fundedCardholder, issueCard } from '../../network/arrange.js';

const typeOfStatus: Record<number, string> = { 400: 'invalid_request_error', 403: 'authorization_error', 422: 'validation_error' };

function refused(response: TestResponse, expected: { status: number; code: string; param?: string }): void {
  assertError(response, { type: typeOfStatus[expected.status]!, ...expected });
}

function ok(response: TestResponse) {
  assert.equal(response.statusCode, 200, response.body);
  return response.json;
}

async function createPolicy(testApp: TestApp, body: Record<string, unknown>) {
  return ok(await testApp.request('POST', '/v1/policies', { body: { name: 'approvals', ...body } }));
}

/** What GET /v1/cards/{id}/policy says of the card's approval: the values in force and where each comes from. */
async function approvalView(testApp: TestApp, cardId: string, key?: string) {
  const view = ok(await testApp.request('GET', `/v1/cards/${cardId}/policy`, key === undefined ? {} : { key }));
  return { method: view.approvalMethod, timeoutMinutes: view.approvalTimeoutMinutes, sources: [view.sources.approvalMethod, view.sources.approvalTimeoutMinutes] };
}

/** Values no approval setting accepts, with the status and code each answers. */
const badValues: Array<[string, unknown, 400 | 422, string]> = [
  ['approvalMethod', 'operator', 422, 'invalid_parameter_value'],
  ['approvalMethod', 'APIKEY', 422, 'invalid_parameter_value'],
  ['approvalMethod', 1, 422, 'invalid_parameter_value'],
  ['approvalTimeoutMinutes', 0, 422, 'invalid_parameter_value'],
  ['approvalTimeoutMinutes', 10_081, 422, 'invalid_parameter_value'],
  ['approvalTimeoutMinutes', 1.5, 400, 'invalid_parameter_type'],
  ['approvalTimeoutMinutes', '60', 400, 'invalid_parameter_type'],
];

for (const kind of storeKinds) {
  describe(`approval settings (${kind})`, () => {
    const testApp = useTestApp({ store: kind });

    it('defaults: an agent has apiKey and 60 minutes; a card and a policy set none, so the card has the agent’s', async () => {
      const holder = await fundedCardholder(testApp, 10_000);
      const agent = ok(await testApp.request('GET', `/v1/agents/${holder.agentId}`));
      assert.deepEqual([agent.approvalMethod, agent.approvalTimeoutMinutes], ['apiKey', 60]);
      const created = ok(await testApp.request('POST', '/v1/agents', { body: { userId: holder.userId, name: 'plain' } }));
      assert.deepEqual([created.approvalMethod, created.approvalTimeoutMinutes], ['apiKey', 60]);
      const card = await issueCard(testApp, holder, { maxAmount: 1_000 });
      assert.deepEqual([card.approvalMethod, card.approvalTimeoutMinutes], [null, null]);
      const policy = await createPolicy(testApp, {});
      assert.deepEqual([policy.approvalMethod, policy.approvalTimeoutMinutes], [null, null]);
      assert.deepEqual(await approvalView(testApp, card.id), { method: 'apiKey', timeoutMinutes: 60, sources: ['agent', 'agent'] });
    });

    it('agents: set on create and register, changed by PATCH (agent.updated names what it was); an agent always has both', async () => {
      const holder = await fundedCardholder(testApp, 0, { approvalMethod: 'cardholderPasskey', approvalTimeoutMinutes: 10_080 });
      const registered = ok(await testApp.request('GET', `/v1/agents/${holder.agentId}`));
      assert.deepEqual([registered.approvalMethod, registered.approvalTimeoutMinutes], ['cardholderPasskey', 10_080]);
      const created = ok(await testApp.request('POST', '/v1/agents', { body: { userId: holder.userId, name: 'approver', approvalMethod: 'cardholder', approvalTimeoutMinutes: 1 } }));
      assert.deepEqual([created.approvalMethod, created.approvalTimeoutMinutes], ['cardholder', 1]);

      const patched = ok(await testApp.request('PATCH', `/v1/agents/${created.id}`, { body: { approvalMethod: 'apiKey', approvalTimeoutMinutes: 90 } }));
      assert.deepEqual([patched.approvalMethod, patched.approvalTimeoutMinutes], ['apiKey', 90]);
      assert.deepEqual(ok(await testApp.request('GET', `/v1/agents/${created.id}`)), patched);
      const updated = (await testApp.store.db.all<{ data: string }>("SELECT data FROM events WHERE type = 'agent.updated' AND data LIKE ?", [`%"${created.id}"%`])).map(
        (row) => (JSON.parse(row.data) as { object: { previousAttributes: unknown } }).object.previousAttributes,
      );
      assert.deepEqual(updated, [{ approvalMethod: 'cardholder', approvalTimeoutMinutes: 1 }]);
      const untouched = ok(await testApp.request('PATCH', `/v1/agents/${created.id}`, { body: { name: 'renamed' } }));
      assert.deepEqual([untouched.approvalMethod, untouched.approvalTimeoutMinutes], ['apiKey', 90], 'absent fields stay');

      // Not a value an enum or an integer takes: refused as any other (an enum's values are listed, hence 422).
      refused(await testApp.request('PATCH', `/v1/agents/${created.id}`, { body: { approvalMethod: null } }), { status: 422, code: 'invalid_parameter_value', param: 'approvalMethod' });
      refused(await testApp.request('PATCH', `/v1/agents/${created.id}`, { body: { approvalTimeoutMinutes: null } }), { status: 400, code: 'invalid_parameter_type', param: 'approvalTimeoutMinutes' });
      for (const [field, value, status, code] of badValues) {
        refused(await testApp.request('POST', '/v1/agents', { body: { userId: holder.userId, name: 'bad', [field]: value } }), { status, code, param: field });
        refused(await testApp.request('POST', '/v1/agents/register', { body: { userId: holder.userId, name: 'bad', [field]: value } }), { status, code, param: field });
        refused(await testApp.request('PATCH', `/v1/agents/${created.id}`, { body: { [field]: value } }), { status, code, param: field });
      }
      refused(await testApp.request('PATCH', `/v1/agents/${created.id}`, { body: { approvalMethdo: 'cardholder' } }), { status: 422, code: 'unknown_parameter', param: 'approvalMethdo' });
      const after = ok(await testApp.request('GET', `/v1/agents/${created.id}`));
      assert.deepEqual([after.approvalMethod, after.approvalTimeoutMinutes], ['apiKey', 90], 'refused changes changed nothing');
      const agentCount = await testApp.store.db.get<{ count: number | string }>('SELECT COUNT(*) AS count FROM agents WHERE user_id = ?', [holder.userId]);
      assert.equal(Number(agentCount?.count), 2, 'refused creations created nothing');
    });

    it('cards: set on create, changed by PATCH, null returns them to the policies and the agent; card.updated carries them', async () => {
      const holder = await fundedCardholder(testApp, 10_000);
      const card = await issueCard(testApp, holder, { maxAmount: 1_000, approvalMethod: 'cardholder', approvalTimeoutMinutes: 15 });
      assert.deepEqual([card.approvalMethod, card.approvalTimeoutMinutes], ['cardholder', 15]);
      assert.deepEqual(ok(await testApp.request('GET', `/v1/cards/${card.id}`)), card);

      const patched = ok(await testApp.request('PATCH', `/v1/cards/${card.id}`, { body: { approvalMethod: 'cardholderPasskey' } }));
      assert.deepEqual([patched.approvalMethod, patched.approvalTimeoutMinutes], ['cardholderPasskey', 15], 'absent fields stay');
      const cleared = ok(await testApp.request('PATCH', `/v1/cards/${card.id}`, { body: { approvalMethod: null, approvalTimeoutMinutes: null } }));
      assert.deepEqual([cleared.approvalMethod, cleared.approvalTimeoutMinutes], [null, null]);
      assert.deepEqual(ok(await testApp.request('GET', `/v1/cards/${card.id}`)), cleared);
      const updates = await eventsAbout(testApp, card.id, 'card.updated');
      assert.deepEqual(
        updates.map((event) => {
          const object = event.object as { approvalMethod: unknown; approvalTimeoutMinutes: unknown };
          return [object.approvalMethod, object.approvalTimeoutMinutes];
        }),
        [
          ['cardholderPasskey', 15],
          [null, null],
        ],
      );

      for (const [field, value, status, code] of badValues) {
        refused(await testApp.request('POST', `/v1/agents/${holder.agentId}/cards`, { body: { purpose: 'bad', maxAmount: 1_000, [field]: value } }), { status, code, param: field });
        refused(await testApp.request('PATCH', `/v1/cards/${card.id}`, { body: { [field]: value } }), { status, code, param: field });
      }
      assert.deepEqual(ok(await testApp.request('GET', `/v1/cards/${card.id}`)), cleared, 'refused changes changed nothing');
      assert.equal(ok(await testApp.request('GET', `/v1/agents/${holder.agentId}`)).cardCount, 1, 'refused creations issued nothing');
    });

    it('policies: approval settings as controls — set on create, changed by PATCH, null clears, absent stays', async () => {
      const policy = await createPolicy(testApp, { approvalMethod: 'cardholder', approvalTimeoutMinutes: 30, maxAuthCount: 3 });
      assert.deepEqual([policy.approvalMethod, policy.approvalTimeoutMinutes], ['cardholder', 30]);
      assert.deepEqual(ok(await testApp.request('GET', `/v1/policies/${policy.id}`)), policy);
      const patched = ok(await testApp.request('PATCH', `/v1/policies/${policy.id}`, { body: { approvalTimeoutMinutes: 45 } }));
      assert.deepEqual([patched.approvalMethod, patched.approvalTimeoutMinutes, patched.maxAuthCount], ['cardholder', 45, 3]);
      const cleared = ok(await testApp.request('PATCH', `/v1/policies/${policy.id}`, { body: { approvalMethod: null } }));
      assert.deepEqual([cleared.approvalMethod, cleared.approvalTimeoutMinutes, cleared.maxAuthCount], [null, 45, 3]);
      assert.deepEqual(
        (await eventsAbout(testApp, policy.id)).map((event) => [event.type, (event.object as { approvalMethod: unknown }).approvalMethod]),
        [
          ['policy.created', 'cardholder'],
          ['policy.updated', 'cardholder'],
          ['policy.updated', null],
        ],
      );

      for (const [field, value, status, code] of badValues) {
        refused(await testApp.request('POST', '/v1/policies', { body: { name: 'bad', [field]: value } }), { status, code, param: field });
        refused(await testApp.request('PATCH', `/v1/policies/${policy.id}`, { body: { [field]: value } }), { status, code, param: field });
      }
      assert.deepEqual(ok(await testApp.request('GET', `/v1/policies/${policy.id}`)), cleared, 'refused changes changed nothing');
    });

    it('resolution, each field on its own: the card’s own over its policy’s over its agent’s default policy’s over the agent’s', async () => {
      const agentPolicy = await createPolicy(testApp, { approvalMethod: 'apiKey', approvalTimeoutMinutes: 45 });
      const cardPolicy = await createPolicy(testApp, { approvalMethod: 'cardholderPasskey', approvalTimeoutMinutes: 20 });
      const holder = await fundedCardholder(testApp, 10_000, { approvalMethod: 'cardholder', approvalTimeoutMinutes: 30, defaultPolicyId: agentPolicy.id });
      const card = await issueCard(testApp, holder, { maxAmount: 1_000, policyId: cardPolicy.id, approvalMethod: 'cardholder', approvalTimeoutMinutes: 5 });
      const view = () => approvalView(testApp, card.id);
      const patch = async (path: string, body: Record<string, unknown>) => ok(await testApp.request('PATCH', path, { body }));

      assert.deepEqual(await view(), { method: 'cardholder', timeoutMinutes: 5, sources: ['card', 'card'] });
      await patch(`/v1/cards/${card.id}`, { approvalMethod: null });
      assert.deepEqual(await view(), { method: 'cardholderPasskey', timeoutMinutes: 5, sources: ['policy', 'card'] });
      await patch(`/v1/cards/${card.id}`, { approvalTimeoutMinutes: null });
      assert.deepEqual(await view(), { method: 'cardholderPasskey', timeoutMinutes: 20, sources: ['policy', 'policy'] });
      await patch(`/v1/policies/${cardPolicy.id}`, { approvalTimeoutMinutes: null });
      assert.deepEqual(await view(), { method: 'cardholderPasskey', timeoutMinutes: 45, sources: ['policy', 'agentPolicy'] });
      await patch(`/v1/cards/${card.id}`, { policyId: null });
      assert.deepEqual(await view(), { method: 'apiKey', timeoutMinutes: 45, sources: ['agentPolicy', 'agentPolicy'] });
      await patch(`/v1/policies/${agentPolicy.id}`, { approvalMethod: null });
      assert.deepEqual(await view(), { method: 'cardholder', timeoutMinutes: 45, sources: ['agent', 'agentPolicy'] });
      await patch(`/v1/agents/${holder.agentId}`, { defaultPolicyId: null });
      assert.deepEqual(await view(), { method: 'cardholder', timeoutMinutes: 30, sources: ['agent', 'agent'] });
      await patch(`/v1/agents/${holder.agentId}`, { approvalMethod: 'cardholderPasskey', approvalTimeoutMinutes: 90 });
      assert.deepEqual(await view(), { method: 'cardholderPasskey', timeoutMinutes: 90, sources: ['agent', 'agent'] });
      // The agent sees its own card's the same way.
      assert.deepEqual(await approvalView(testApp, card.id, holder.agentToken), await view());
    });

    it('approvalSettingsOf, as the approval flow calls it, answers what the card view shows, naming the default policy agentDefaultPolicy', async () => {
      const agentPolicy = await createPolicy(testApp, { approvalTimeoutMinutes: 240 });
      const cardPolicy = await createPolicy(testApp, { approvalMethod: 'cardholder' });
      const holder = await fundedCardholder(testApp, 10_000, { defaultPolicyId: agentPolicy.id });
      const card = await issueCard(testApp, holder, { maxAmount: 1_000, policyId: cardPolicy.id });
      const scope = scopeOf(testApp);
      const settings = await approvalSettingsOf(testApp.store.db, scope, await getCard(testApp.store.db, scope, card.id), await getAgent(testApp.store.db, scope, holder.agentId));
      assert.deepEqual(settings, { method: 'cardholder', timeoutMinutes: 240, source: { method: 'policy', timeoutMinutes: 'agentDefaultPolicy' } });
      assert.deepEqual(await approvalView(testApp, card.id), { method: 'cardholder', timeoutMinutes: 240, sources: ['policy', 'agentPolicy'] });
    });

    it('an agent token may make its own card’s approval stricter than it would inherit, never weaker (403 agent_card_widens_policy naming the field)', async () => {
      const holder = await fundedCardholder(testApp, 100_000, { approvalMethod: 'cardholder', approvalTimeoutMinutes: 60 });
      const asAgent = (body: Record<string, unknown>) =>
        testApp.request('POST', `/v1/agents/${holder.agentId}/cards`, { key: holder.agentToken, body: { purpose: 'agent card', maxAmount: 1_000, ...body } });

      // Without a default policy the card would have the agent's: cardholder, 60 minutes.
      const weaker: Array<[Record<string, unknown>, string]> = [
        [{ approvalMethod: 'apiKey' }, 'approvalMethod'],
        [{ approvalTimeoutMinutes: 61 }, 'approvalTimeoutMinutes'],
        [{ approvalMethod: 'cardholderPasskey', approvalTimeoutMinutes: 10_080 }, 'approvalTimeoutMinutes'],
      ];
      for (const [body, param] of weaker) refused(await asAgent(body), { status: 403, code: 'agent_card_widens_policy', param });
      assert.equal(ok(await testApp.request('GET', `/v1/agents/${holder.agentId}`)).cardCount, 0, 'nothing was issued');
      const same = ok(await asAgent({ approvalMethod: 'cardholder', approvalTimeoutMinutes: 60 }));
      assert.deepEqual([same.approvalMethod, same.approvalTimeoutMinutes], ['cardholder', 60]);
      const stricter = ok(await asAgent({ approvalMethod: 'cardholderPasskey', approvalTimeoutMinutes: 5 }));
      assert.deepEqual(await approvalView(testApp, stricter.id, holder.agentToken), { method: 'cardholderPasskey', timeoutMinutes: 5, sources: ['card', 'card'] });

      // Under a default policy the card would have the policy's, even where the agent's own is weaker.
      const policy = await createPolicy(testApp, { approvalMethod: 'cardholderPasskey', approvalTimeoutMinutes: 15 });
      ok(await testApp.request('PATCH', `/v1/agents/${holder.agentId}`, { body: { defaultPolicyId: policy.id } }));
      refused(await asAgent({ approvalMethod: 'cardholder' }), { status: 403, code: 'agent_card_widens_policy', param: 'approvalMethod' });
      refused(await asAgent({ approvalTimeoutMinutes: 30 }), { status: 403, code: 'agent_card_widens_policy', param: 'approvalTimeoutMinutes' });
      ok(await asAgent({ approvalMethod: 'cardholderPasskey', approvalTimeoutMinutes: 15 }));
      assert.equal(ok(await testApp.request('GET', `/v1/agents/${holder.agentId}`)).cardCount, 3);

      // An agent token still may not touch the rest of approval; an operator's API key may weaken it for a card.
      refused(await asAgent({ requireApproval: false }), { status: 403, code: 'field_not_allowed_for_agent_token', param: 'requireApproval' });
      const operator = await issueCard(testApp, holder, { maxAmount: 1_000, approvalMethod: 'apiKey', approvalTimeoutMinutes: 10_080 });
      assert.deepEqual([operator.approvalMethod, operator.approvalTimeoutMinutes], ['apiKey', 10_080]);
    });

    it('agents and cards stored before the settings existed take the defaults: apiKey and 60 minutes for agents, none for cards', async () => {
      const holder = await fundedCardholder(testApp, 10_000, { approvalMethod: 'cardholder', approvalTimeoutMinutes: 5 });
      const card = await issueCard(testApp, holder, { maxAmount: 1_000, approvalMethod: 'cardholder' });
      // The schema as it was before the migration that added the columns, with these rows in it; then migrate.
      for (const statement of [
        'ALTER TABLE agents DROP COLUMN approval_method',
        'ALTER TABLE agents DROP COLUMN approval_timeout_minutes',
        'ALTER TABLE cards DROP COLUMN approval_method',
        'ALTER TABLE cards DROP COLUMN approval_timeout_minutes',
      ]) {
        await testApp.store.db.run(statement);
      }
      await testApp.store.db.run('DELETE FROM schema_migrations WHERE version = 22');
      assert.deepEqual(
        (await migrate(testApp.store.db)).applied.map((migration) => migration.version),
        [22],
      );
      const agent = ok(await testApp.request('GET', `/v1/agents/${holder.agentId}`));
      assert.deepEqual([agent.approvalMethod, agent.approvalTimeoutMinutes], ['apiKey', 60]);
      const migrated = ok(await testApp.request('GET', `/v1/cards/${card.id}`));
      assert.deepEqual([migrated.approvalMethod, migrated.approvalTimeoutMinutes], [null, null]);
    });
  });
}
