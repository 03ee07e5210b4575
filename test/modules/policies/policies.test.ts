// Spending policies through the API (SPEC §4 "Spending policies", §11 "Policies"): create, list, read, change;
// the checks across fields; a card's own fields over its policy's; a policy change reaching its cards at once; what
// a card takes from its policy when issued (maxAmount, ttl and onExpiry, onDrift, merchant hint); the card policy
// view; PATCH /v1/cards/{id} status. The decline codes themselves are in test/network/declines.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertError, useTestApp, type TestApp, type TestResponse } from '../../helpers/app.js';
import { assertLedgerSound, balanceOf } from '../../helpers/money.js';
import { advanceSandbox } from '../../helpers/sandbox-clock.js';
import { storeKinds } from '../../helpers/stores.js';
import { authorizeAt, eventsAbout, fundedCardholder, hourSeconds, issueCard } from '../../network/arrange.js';

const typeOfStatus: Record<number, string> = { 400: 'invalid_request_error', 403: 'authorization_error', 404: 'not_found_error', 422: 'validation_error' };

/** An error in the envelope, its type following from the status. */
function refused(response: TestResponse, expected: { status: number; code: string; param?: string }): void {
  assertError(response, { type: typeOfStatus[expected.status]!, ...expected });
}

async function createPolicy(testApp: TestApp, body: Record<string, unknown>) {
  const created = await testApp.request('POST', '/v1/policies', { body: { name: 'travel', ...body } });
  assert.equal(created.statusCode, 200, created.body);
  return created.json;
}

for (const kind of storeKinds) {
  describe(`spending policies (${kind})`, () => {
    const testApp = useTestApp({ store: kind });

    it('creates, lists, reads and changes a policy; absent fields stay, null clears, every change is an event', async () => {
      const created = await createPolicy(testApp, {
        description: 'Weekday purchases at food merchants',
        activeHoursStart: '09:00',
        activeHoursEnd: '17:30',
        activeTimezone: 'Europe/Paris',
        activeDays: ['mon', 'tue', 'wed', 'thu', 'fri'],
        allowedMccs: ['5812', '5814'],
        blockedMerchants: ['Lucky Casino'],
        maxAuthCount: 20,
        cumulativeMax: 50_000,
        ttlMinutes: 60 * 24 * 30,
        onDrift: 'freeze',
        intentTolerance: 0.05,
        metadata: { team: 'ops' },
      });
      assert.match(created.id, /^pol_[0-9a-z]{26}$/);
      assert.equal(created.object, 'policy');
      assert.equal(created.onExpiry, 'close', 'a ttl without onExpiry closes');
      assert.equal(created.onDrift, 'freeze_card', 'LedgerOS’s freeze is the risk engine’s freeze_card');
      assert.deepEqual([created.limitPerDay, created.requireAttestation, created.merchantHint], [null, null, null]);

      const read = await testApp.request('GET', `/v1/policies/${created.id}`);
      assert.deepEqual(read.json, created);
      const list = await testApp.request('GET', '/v1/policies?limit=10');
      assert.deepEqual(
        list.json.data.map((policy: { id: string }) => policy.id),
        [created.id],
      );

      const patched = await testApp.request('PATCH', `/v1/policies/${created.id}`, { body: { name: 'food', allowedMccs: null, limitPerDay: 5_000, ttlMinutes: null } });
      assert.equal(patched.statusCode, 200, patched.body);
      assert.deepEqual([patched.json.name, patched.json.allowedMccs, patched.json.limitPerDay, patched.json.ttlMinutes, patched.json.onExpiry], ['food', null, 5_000, null, null]);
      assert.deepEqual(patched.json.blockedMerchants, ['Lucky Casino'], 'absent fields stay');
      assert.equal(patched.json.description, 'Weekday purchases at food merchants');
      assert.deepEqual(
        (await eventsAbout(testApp, created.id)).map((event) => event.type),
        ['policy.created', 'policy.updated'],
      );
    });

    it('refuses what cannot be a policy, naming the field, and changes nothing', async () => {
      const before = (await testApp.request('GET', '/v1/policies?limit=100')).json.data;
      const cases: Array<[Record<string, unknown>, number, string, string]> = [
        [{ activeHoursStart: '09:00' }, 422, 'invalid_parameter_value', 'activeHoursEnd'],
        [{ activeHoursStart: '09:00', activeHoursEnd: '09:00' }, 422, 'invalid_parameter_value', 'activeHoursEnd'],
        [{ activeHoursStart: '24:00', activeHoursEnd: '09:00' }, 422, 'invalid_parameter_value', 'activeHoursStart'],
        [{ activeHoursStart: '9:00', activeHoursEnd: '17:00' }, 422, 'invalid_parameter_value', 'activeHoursStart'],
        [{ activeDays: ['mon', 'mon'] }, 422, 'invalid_parameter_value', 'activeDays'],
        [{ activeDays: ['monday'] }, 422, 'invalid_parameter_value', 'activeDays[0]'],
        [{ activeDays: ['mon'], activeTimezone: 'Mars/Olympus_Mons' }, 422, 'invalid_parameter_value', 'activeTimezone'],
        [{ activeTimezone: 'Europe/Paris' }, 422, 'invalid_parameter_value', 'activeTimezone'],
        [{ allowedMccs: ['58'] }, 422, 'invalid_parameter_value', 'allowedMccs[0]'],
        [{ limitPerDay: 5_000, limitPerMonth: 4_000 }, 422, 'invalid_parameter_value', 'limitPerMonth'],
        [{ onExpiry: 'freeze' }, 422, 'invalid_parameter_value', 'onExpiry'],
        [{ intentTolerance: 1.5 }, 422, 'invalid_parameter_value', 'intentTolerance'],
        [{ maxAuthCount: 0 }, 422, 'invalid_parameter_value', 'maxAuthCount'],
        [{ onDrift: 'explode' }, 422, 'invalid_parameter_value', 'onDrift'],
        [{ credentialExposur: 'never' }, 422, 'unknown_parameter', 'credentialExposur'],
      ];
      for (const [body, status, code, param] of cases) {
        const response = await testApp.request('POST', '/v1/policies', { body: { name: 'bad', ...body } });
        refused(response, { status, code, param });
      }
      assert.deepEqual((await testApp.request('GET', '/v1/policies?limit=100')).json.data, before);
      refused(await testApp.request('GET', '/v1/policies/pol_01m8y71ndwr01c3rdm5np9eqxj'), { status: 404, code: 'resource_not_found' });
      const policy = await createPolicy(testApp, { activeHoursStart: '09:00', activeHoursEnd: '17:00' });
      // A PATCH is judged on the policy it would leave: clearing only the end leaves a start alone (the missing end is named).
      refused(await testApp.request('PATCH', `/v1/policies/${policy.id}`, { body: { activeHoursEnd: null } }), { status: 422, code: 'invalid_parameter_value', param: 'activeHoursEnd' });
      refused(await testApp.request('PATCH', `/v1/policies/${policy.id}`, { body: { name: null } }), { status: 400, code: 'invalid_parameter_type', param: 'name' });
      assert.equal((await testApp.request('GET', `/v1/policies/${policy.id}`)).json.activeHoursEnd, '17:00');
    });

    it("a card's own fields win over its policy's; a policy change reaches its cards at once; detaching the policy drops its controls", async () => {
      const holder = await fundedCardholder(testApp, 100_000);
      const policy = await createPolicy(testApp, { maxAuthCount: 1, blockedMerchants: ['Target'], limitPerDay: 3_000 });
      const underPolicy = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, merchantDriftEnabled: false, policyId: policy.id });
      const overriding = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, merchantDriftEnabled: false, policyId: policy.id, maxAuthCount: 3, limits: { perDay: 8_000 } });
      assert.equal(underPolicy.policyId, policy.id);

      assert.equal((await authorizeAt(testApp, { cardId: underPolicy.id }, 3_001, 'Amazon')).declineReason, 'card_limit_exceeded');
      assert.equal((await authorizeAt(testApp, { cardId: underPolicy.id }, 1_000, 'Target')).declineReason, 'blocked_merchant');
      assert.equal((await authorizeAt(testApp, { cardId: underPolicy.id }, 1_000, 'Amazon')).status, 'pending');
      assert.equal((await authorizeAt(testApp, { cardId: underPolicy.id }, 1_000, 'Amazon')).declineReason, 'auth_count_exceeded');
      assert.equal((await authorizeAt(testApp, { cardId: overriding.id }, 5_000, 'Amazon')).status, 'pending');
      assert.equal((await authorizeAt(testApp, { cardId: overriding.id }, 1_000, 'Amazon')).status, 'pending');

      const view = await testApp.request('GET', `/v1/cards/${overriding.id}/policy`);
      assert.equal(view.statusCode, 200, view.body);
      assert.deepEqual(view.json.sources, { limitPerDay: 'card', maxAuthCount: 'card', blockedMerchants: 'policy', approvalMethod: 'agent', approvalTimeoutMinutes: 'agent' });
      assert.deepEqual(view.json.limits, { maxAmount: 10_000, perAuth: null, perDay: 8_000, perMonth: null });
      assert.deepEqual(view.json.authCount, { max: 3, current: 2, remaining: 1 });

      // The policy changes: its cards follow at the next authorization.
      const changed = await testApp.request('PATCH', `/v1/policies/${policy.id}`, { body: { maxAuthCount: 5, blockedMerchants: null } });
      assert.equal(changed.statusCode, 200, changed.body);
      assert.equal((await authorizeAt(testApp, { cardId: underPolicy.id }, 1_000, 'Target')).status, 'pending');

      // Detached, the card has only its own controls.
      const detached = await testApp.request('PATCH', `/v1/cards/${underPolicy.id}`, { body: { policyId: null } });
      assert.equal(detached.json.policyId, null);
      assert.equal((await authorizeAt(testApp, { cardId: underPolicy.id }, 3_500, 'Amazon')).status, 'pending');
      refused(await testApp.request('PATCH', `/v1/cards/${underPolicy.id}`, { body: { policyId: 'pol_01m8y71ndwr01c3rdm5np9eqxj' } }), { status: 404, code: 'resource_not_found', param: 'policyId' });
      await assertLedgerSound(testApp);
    });

    it("an agent's defaultPolicyId sits under every card's own policy, field by field; PATCH changes or detaches it at once", async () => {
      const base = await createPolicy(testApp, { blockedMccs: ['7995'], maxAuthCount: 1, cooldownMinutes: 5 });
      const cardLevel = await createPolicy(testApp, { maxAuthCount: 3 });
      const holder = await fundedCardholder(testApp, 100_000, { defaultPolicyId: base.id });
      const agent = (await testApp.request('GET', `/v1/agents/${holder.agentId}`)).json;
      assert.equal(agent.defaultPolicyId, base.id);
      const plain = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, merchantDriftEnabled: false });
      const layered = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, merchantDriftEnabled: false, policyId: cardLevel.id });

      assert.equal((await authorizeAt(testApp, { cardId: plain.id }, 1_000, { name: 'Lucky Casino', mcc: '7995' })).declineReason, 'blocked_mcc');
      assert.equal((await authorizeAt(testApp, { cardId: plain.id }, 1_000, 'Amazon')).status, 'pending');
      await advanceSandbox(testApp, 5 * 60);
      assert.equal((await authorizeAt(testApp, { cardId: plain.id }, 1_000, 'Amazon')).declineReason, 'auth_count_exceeded');
      assert.equal((await authorizeAt(testApp, { cardId: layered.id }, 1_000, 'Amazon')).status, 'pending');
      const view = (await testApp.request('GET', `/v1/cards/${layered.id}/policy`)).json;
      assert.deepEqual(view.sources, { blockedMccs: 'agentPolicy', maxAuthCount: 'policy', cooldownMinutes: 'agentPolicy', approvalMethod: 'agent', approvalTimeoutMinutes: 'agent' });
      assert.equal(view.agentDefaultPolicyId, base.id);

      const detached = await testApp.request('PATCH', `/v1/agents/${holder.agentId}`, { body: { defaultPolicyId: null } });
      assert.equal(detached.json.defaultPolicyId, null);
      assert.equal((await authorizeAt(testApp, { cardId: plain.id }, 1_000, { name: 'Lucky Casino', mcc: '7995' })).status, 'pending');
      refused(await testApp.request('PATCH', `/v1/agents/${holder.agentId}`, { body: { defaultPolicyId: 'pol_01m8y71ndwr01c3rdm5np9eqxj' } }), { status: 404, code: 'resource_not_found', param: 'defaultPolicyId' });
      refused(await testApp.request('POST', '/v1/agents', { body: { userId: holder.userId, name: 'x', defaultPolicyId: 'pol_01m8y71ndwr01c3rdm5np9eqxj' } }), { status: 404, code: 'resource_not_found', param: 'defaultPolicyId' });
      await assertLedgerSound(testApp);
    });

    it("a card issued under a policy takes its maxAmount, onDrift and ttl: expiry closes it (releasing the reservation) or, with onExpiry freeze, freezes it", async () => {
      const holder = await fundedCardholder(testApp, 100_000);
      const closing = await createPolicy(testApp, { maxAmount: 4_000, ttlMinutes: 90, onDrift: 'decline' });
      const freezing = await createPolicy(testApp, { ttlMinutes: 60, onExpiry: 'freeze' });
      const closingCard = await issueCard(testApp, holder, { type: 'multi', policyId: closing.id });
      assert.deepEqual([closingCard.maxAmount, closingCard.reservation, closingCard.onDrift], [4_000, 4_000, 'decline']);
      const freezingCard = await issueCard(testApp, holder, { type: 'multi', maxAmount: 1_000, policyId: freezing.id });
      const ownTtl = await issueCard(testApp, holder, { type: 'multi', maxAmount: 1_000, policyId: freezing.id, ttlDays: 2 });
      const view = (await testApp.request('GET', `/v1/cards/${freezingCard.id}/policy`)).json;
      assert.deepEqual({ ...view.ttl, expiresAt: undefined }, { minutes: 60, expiresAt: undefined, isExpired: false, onExpiry: 'freeze' });
      refused(await testApp.request('POST', `/v1/agents/${holder.agentId}/cards`, { body: { purpose: 'no amount', type: 'multi', policyId: freezing.id } }), {
        status: 400,
        code: 'missing_parameter',
        param: 'maxAmount',
      });

      await advanceSandbox(testApp, hourSeconds);
      const frozen = (await testApp.request('GET', `/v1/cards/${freezingCard.id}`)).json;
      assert.deepEqual([frozen.status, frozen.statusReason], ['frozen', 'expired']);
      assert.equal((await authorizeAt(testApp, { cardId: freezingCard.id }, 100, 'Amazon')).declineReason, 'card_expired', 'expired, whatever its status');
      assert.equal((await testApp.request('GET', `/v1/cards/${closingCard.id}`)).json.status, 'active');
      await advanceSandbox(testApp, hourSeconds / 2);
      const closed = (await testApp.request('GET', `/v1/cards/${closingCard.id}`)).json;
      assert.deepEqual([closed.status, closed.statusReason, closed.reservation], ['closed', 'expired', 0]);
      assert.equal((await testApp.request('GET', `/v1/cards/${ownTtl.id}`)).json.status, 'active', "the card's own ttlDays wins over its policy's ttl");
      await advanceSandbox(testApp, 2 * 24 * hourSeconds);
      assert.deepEqual((await testApp.request('GET', `/v1/cards/${ownTtl.id}`)).json.statusReason, 'expired');
      assert.equal((await testApp.request('GET', `/v1/cards/${ownTtl.id}`)).json.status, 'closed', 'a card’s own lifetime closes it');
      await assertLedgerSound(testApp);
    });

    it("an agent token creating its own card may only narrow its default policy (a card's own fields would otherwise win over it)", async () => {
      const policy = await createPolicy(testApp, { limitPerDay: 500, maxAuthCount: 2, ttlMinutes: 60, merchantHint: 'Amazon' });
      const holder = await fundedCardholder(testApp, 100_000, { defaultPolicyId: policy.id });
      const asAgent = (body: Record<string, unknown>) =>
        testApp.request('POST', `/v1/agents/${holder.agentId}/cards`, { key: holder.agentToken, body: { purpose: 'agent card', type: 'multi', maxAmount: 1_000, ...body } });
      const widening: Array<[Record<string, unknown>, string]> = [
        [{ limits: { perDay: 50_000 } }, 'limits.perDay'],
        [{ maxAuthCount: 1_000 }, 'maxAuthCount'],
        [{ ttlDays: 1_000 }, 'ttlDays'],
        [{ expiresInMinutes: 61 }, 'ttlDays'],
        [{ merchantHint: 'Target' }, 'merchantHint'],
      ];
      for (const [body, param] of widening) refused(await asAgent(body), { status: 403, code: 'agent_card_widens_policy', param });
      assert.equal((await testApp.request('GET', `/v1/agents/${holder.agentId}`)).json.cardCount, 0, 'nothing was issued');

      const narrow = await asAgent({ limits: { perDay: 300 }, maxAuthCount: 1, expiresInMinutes: 30, merchantHint: 'AMAZON' });
      assert.equal(narrow.statusCode, 200, narrow.body);
      const view = (await testApp.request('GET', `/v1/cards/${narrow.json.id}/policy`, { key: holder.agentToken })).json;
      assert.deepEqual([view.limits.perDay, view.authCount.max, view.ttl.minutes], [300, 1, 30]);
      // An operator's API key may still widen it for the card.
      const wide = await testApp.request('POST', `/v1/agents/${holder.agentId}/cards`, { body: { purpose: 'operator card', type: 'multi', maxAmount: 1_000, limits: { perDay: 5_000 } } });
      assert.equal(wide.statusCode, 200, wide.body);
    });

    it("the details' attestation uses the card's tolerance (its policy's intentTolerance) as the authorization will; the card view's sources leave out what was taken at issue", async () => {
      const policy = await createPolicy(testApp, { intentTolerance: 0.25, ttlMinutes: 600 });
      const holder = await fundedCardholder(testApp, 100_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, policyId: policy.id, ttlDays: 1 });
      const intent = await testApp.request('POST', `/v1/cards/${card.id}/intents`, { key: holder.agentToken, body: { summary: 'a purchase', amount: 1_000, merchantText: 'Amazon' } });
      assert.equal(intent.statusCode, 200, intent.body);
      const details = await testApp.request('POST', `/v1/cards/${card.id}/details`, { key: holder.agentToken, body: { summary: 'a purchase', expectedAmount: 1_200, merchantText: 'Amazon' } });
      assert.equal(details.statusCode, 200, details.body);
      assert.deepEqual(details.json.warnings, [], '1,200 is within 25 % of 1,000');
      const matched = await authorizeAt(testApp, { cardId: card.id }, 1_200, 'Amazon');
      assert.deepEqual([matched.intentMatch, matched.attestationStatus], ['matched', 'attested']);
      const view = (await testApp.request('GET', `/v1/cards/${card.id}/policy`)).json;
      assert.deepEqual(view.sources, { intentTolerance: 'policy', approvalMethod: 'agent', approvalTimeoutMinutes: 'agent' });
      assert.deepEqual([view.ttl.minutes, view.ttl.onExpiry], [24 * 60, 'close'], "the card's own ttlDays");
    });

    it('merchantHint pins a multi-use card before its first use: drift is judged against it, and the first use pins the hint', async () => {
      const holder = await fundedCardholder(testApp, 100_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 10_000, merchantHint: 'Amazon', onDrift: 'decline' });
      assert.deepEqual([card.merchantHint, card.merchantDriftEnabled], ['Amazon', true]);
      const elsewhere = await authorizeAt(testApp, { cardId: card.id }, 1_000, 'Target');
      assert.deepEqual([elsewhere.status, elsewhere.declineReason], ['declined', 'risk_declined']);
      assert.equal((await authorizeAt(testApp, { cardId: card.id }, 1_000, 'AMZN Mktp US*2K4L59')).status, 'pending');
      assert.equal((await testApp.request('GET', `/v1/cards/${card.id}`)).json.pinnedMerchant, 'amazon');
      const view = (await testApp.request('GET', `/v1/cards/${card.id}/policy`)).json;
      assert.deepEqual(view.merchantDrift, { enabled: true, action: 'decline', pinnedMerchant: 'amazon', merchantHint: 'Amazon' });
    });

    it('PATCH /v1/cards/{id} status freezes and unfreezes (a repeat changes nothing), never closes; settings and status together', async () => {
      const holder = await fundedCardholder(testApp, 20_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 5_000 });
      const frozen = await testApp.request('PATCH', `/v1/cards/${card.id}`, { body: { status: 'frozen', limits: { perAuth: 2_000 } } });
      assert.equal(frozen.statusCode, 200, frozen.body);
      assert.deepEqual([frozen.json.status, frozen.json.statusReason, frozen.json.limits.perAuth], ['frozen', 'manual', 2_000]);
      const again = await testApp.request('PATCH', `/v1/cards/${card.id}`, { body: { status: 'frozen' } });
      assert.deepEqual([again.statusCode, again.json.status], [200, 'frozen']);
      assert.equal((await eventsAbout(testApp, card.id, 'card.frozen')).length, 1);
      const active = await testApp.request('PATCH', `/v1/cards/${card.id}`, { body: { status: 'active' } });
      assert.deepEqual([active.json.status, active.json.statusReason], ['active', null]);
      refused(await testApp.request('PATCH', `/v1/cards/${card.id}`, { body: { status: 'closed' } }), { status: 422, code: 'invalid_parameter_value', param: 'status' });
      refused(await testApp.request('PATCH', `/v1/cards/${card.id}`, { body: { limits: { perAuth: 5_001 } } }), { status: 422, code: 'invalid_parameter_value', param: 'limits.perAuth' });
      assert.deepEqual(await balanceOf(testApp, holder.userId), { total: 20_000, pending: 0, reserved: 5_000, available: 15_000 });
    });

    it('GET /v1/cards/{id}/policy answers the agent token for its own card and 404 for another agent’s', async () => {
      const holder = await fundedCardholder(testApp, 20_000);
      const other = await fundedCardholder(testApp, 20_000);
      const card = await issueCard(testApp, holder, { type: 'single', maxAmount: 5_000 });
      const own = await testApp.request('GET', `/v1/cards/${card.id}/policy`, { key: holder.agentToken });
      assert.equal(own.statusCode, 200, own.body);
      assert.deepEqual(own.json.attestation, { required: false, intentTolerance: 0.1, windowMinutes: 10 });
      assert.deepEqual(own.json.cumulative, { max: null, spent: 0, remaining: null });
      refused(await testApp.request('GET', `/v1/cards/${card.id}/policy`, { key: other.agentToken }), { status: 404, code: 'resource_not_found' });
    });
  });
}
