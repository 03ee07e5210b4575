// Credential exposure (SPEC §4): the three modes, the rawPan acknowledgement, details tokens (single use, 120 s on
// the sandbox clock, bound to card and intent) and who may redeem them, on both stores.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertError, useTestApp, type TestApp, type TestResponse } from '../../helpers/app.js';
import { advanceSandbox } from '../../helpers/sandbox-clock.js';
import { storeKinds } from '../../helpers/stores.js';
import { authorizeAt, eventsAbout, fundedCardholder, issueCard, presented, type Cardholder } from '../../network/arrange.js';

const typeOfStatus: Record<number, string> = { 403: 'authorization_error', 404: 'not_found_error', 409: 'conflict_error', 422: 'validation_error' };

function refused(response: TestResponse, expected: { status: number; code: string; param?: string }): void {
  assertError(response, { type: typeOfStatus[expected.status]!, ...expected });
}

const fingerprint = { extensionId: 'test-extension', deviceHash: 'device-1' };

async function declare(testApp: TestApp, holder: Cardholder, cardId: string, amount = 1_000) {
  const intent = await testApp.request('POST', `/v1/cards/${cardId}/intents`, { key: holder.agentToken, body: { summary: 'a purchase', amount, merchantText: 'Amazon' } });
  assert.equal(intent.statusCode, 200, intent.body);
  return intent.json;
}

function readDetails(testApp: TestApp, holder: Cardholder, cardId: string, amount = 1_000) {
  return testApp.request('POST', `/v1/cards/${cardId}/details`, { key: holder.agentToken, body: { summary: 'a purchase', expectedAmount: amount, merchantText: 'Amazon' } });
}

async function fillerKey(testApp: TestApp): Promise<string> {
  const created = await testApp.request('POST', '/v1/filler-keys', { body: { name: 'checkout browser' } });
  assert.equal(created.statusCode, 200, created.body);
  assert.match(created.json.key, /^fk_dev_/);
  return created.json.key;
}

function redeem(testApp: TestApp, token: string, key: string) {
  return testApp.request('POST', `/v1/details-tokens/${token}/redeem`, { key, body: { fingerprint } });
}

for (const kind of storeKinds) {
  describe(`credential exposure (${kind})`, () => {
    const testApp = useTestApp({ store: kind });

    it('rawPan (the organization default) answers the number; never answers 409 credential_access_disabled and records no access', async () => {
      const holder = await fundedCardholder(testApp, 50_000);
      const raw = await issueCard(testApp, holder, { type: 'single', maxAmount: 5_000 });
      assert.equal(raw.credentialExposure, null);
      await declare(testApp, holder, raw.id);
      const details = await readDetails(testApp, holder, raw.id);
      assert.deepEqual([details.json.exposureMode, 'detailsToken' in details.json, typeof details.json.pan], ['rawPan', false, 'string']);

      const sealed = await issueCard(testApp, holder, { type: 'single', maxAmount: 5_000, credentialExposure: 'never' });
      await declare(testApp, holder, sealed.id);
      refused(await readDetails(testApp, holder, sealed.id), { status: 409, code: 'credential_access_disabled' });
      assert.equal((await eventsAbout(testApp, sealed.id, 'credential.accessed')).length, 0);
      assert.equal((await testApp.request('GET', `/v1/cards/${sealed.id}/policy`)).json.credentialExposure, 'never');
    });

    it('extensionOnly answers a details token and no number; a filler key redeems it once for the credentials the network accepts', async () => {
      const holder = await fundedCardholder(testApp, 50_000);
      const card = await issueCard(testApp, holder, { type: 'single', maxAmount: 5_000, credentialExposure: 'extensionOnly' });
      const intent = await declare(testApp, holder, card.id);
      const details = await readDetails(testApp, holder, card.id);
      assert.equal(details.statusCode, 200, details.body);
      assert.deepEqual([details.json.exposureMode, 'pan' in details.json, 'cvv' in details.json, details.json.last4], ['extensionOnly', false, false, card.last4]);
      assert.match(details.json.detailsToken, /^dtk_/);
      const revealedAt = (await testApp.request('GET', `/v1/intents/${intent.id}`)).json.revealedAt;
      assert.equal(Date.parse(details.json.tokenExpiresAt) - Date.parse(revealedAt), 120_000, 'the token lasts 120 s from the access');
      assert.doesNotMatch(details.body, /\b4000\d{12}\b/, 'no card number anywhere in the answer');

      const key = await fillerKey(testApp);
      // Only a filler key: the agent's token and the organization's API key are refused.
      refused(await redeem(testApp, details.json.detailsToken, holder.agentToken), { status: 403, code: 'insufficient_permissions' });
      refused(await redeem(testApp, details.json.detailsToken, testApp.sandboxKey), { status: 403, code: 'insufficient_permissions' });
      const credentials = await redeem(testApp, details.json.detailsToken, key);
      assert.equal(credentials.statusCode, 200, credentials.body);
      assert.deepEqual([credentials.json.cardId, credentials.json.intentId, credentials.json.accessEventId, credentials.json.last4], [card.id, intent.id, details.json.accessEventId, card.last4]);
      refused(await redeem(testApp, details.json.detailsToken, key), { status: 409, code: 'details_token_redeemed' });
      const [redeemed] = await eventsAbout(testApp, card.id, 'credential.redeemed');
      assert.ok(redeemed !== undefined);
      const [accessed] = await eventsAbout(testApp, card.id, 'credential.accessed');
      assert.equal((accessed!.object as { exposureMode: string }).exposureMode, 'extensionOnly');

      // The filler pays with them: the authorization answers the intent, attested.
      const transaction = await authorizeAt(testApp, presented(credentials.json), 1_000, 'Amazon');
      assert.deepEqual([transaction.status, transaction.attestationStatus, transaction.intentMatch], ['pending', 'attested', 'matched']);
      // A filler key may do nothing else.
      refused(await testApp.request('GET', `/v1/cards/${card.id}`, { key }), { status: 403, code: 'insufficient_permissions' });
    });

    it('a details token expires after 120 s of sandbox time, is bound to its scope, and stops when its card stops being extensionOnly or its intent is cancelled', async () => {
      const holder = await fundedCardholder(testApp, 50_000);
      const card = await issueCard(testApp, holder, { type: 'multi', maxAmount: 5_000, credentialExposure: 'extensionOnly' });
      const key = await fillerKey(testApp);
      await declare(testApp, holder, card.id);
      const first = (await readDetails(testApp, holder, card.id)).json.detailsToken;
      await advanceSandbox(testApp, 120);
      refused(await redeem(testApp, first, key), { status: 409, code: 'details_token_expired' });
      refused(await redeem(testApp, 'dtk_unknown', key), { status: 404, code: 'details_token_not_found' });

      const second = (await readDetails(testApp, holder, card.id)).json.detailsToken;
      const liveKey = (await testApp.request('POST', '/v1/filler-keys', { key: testApp.liveKey, body: { name: 'live filler' } })).json.key;
      refused(await redeem(testApp, second, liveKey), { status: 404, code: 'details_token_not_found' });
      const patched = await testApp.request('PATCH', `/v1/cards/${card.id}`, { body: { credentialExposure: 'never' } });
      assert.equal(patched.statusCode, 200, patched.body);
      refused(await redeem(testApp, second, key), { status: 409, code: 'details_token_unusable' });

      // Bound to its intent too: once the intent is cancelled, a token it revealed is unusable.
      await testApp.request('PATCH', `/v1/cards/${card.id}`, { body: { credentialExposure: 'extensionOnly' } });
      const intent = await declare(testApp, holder, card.id);
      const third = (await readDetails(testApp, holder, card.id)).json.detailsToken;
      const cancelled = await testApp.request('POST', `/v1/intents/${intent.id}/cancel`);
      assert.equal(cancelled.statusCode, 200, cancelled.body);
      const refusal = await redeem(testApp, third, key);
      refused(refusal, { status: 409, code: 'details_token_unusable' });
      assert.match(refusal.json.error.message + JSON.stringify(refusal.json.error), /intent/i);

      // A revoked filler key no longer authenticates.
      const listed = (await testApp.request('GET', '/v1/filler-keys')).json.data;
      const own = listed.find((entry: { last4: string }) => key.endsWith(entry.last4));
      assert.equal((await testApp.request('DELETE', `/v1/filler-keys/${own.id}`)).statusCode, 200);
      assert.equal((await redeem(testApp, second, key)).statusCode, 401);
    });

    it("rawPan needs acknowledgeRawPanRisk when the organization's default is safer; policies and the organization default decide for cards that do not", async () => {
      const holder = await fundedCardholder(testApp, 50_000);
      const organization = await testApp.request('PATCH', '/v1/organization', { body: { defaultCredentialExposure: 'extensionOnly' } });
      assert.equal(organization.json.defaultCredentialExposure, 'extensionOnly');
      try {
        refused(await testApp.request('POST', `/v1/agents/${holder.agentId}/cards`, { body: { purpose: 'p', maxAmount: 1_000, credentialExposure: 'rawPan' } }), {
          status: 422,
          code: 'raw_pan_acknowledgement_required',
          param: 'acknowledgeRawPanRisk',
        });
        const acknowledged = await issueCard(testApp, holder, { type: 'single', maxAmount: 1_000, credentialExposure: 'rawPan', acknowledgeRawPanRisk: true });
        assert.equal(acknowledged.credentialExposure, 'rawPan');
        refused(await testApp.request('POST', '/v1/policies', { body: { name: 'raw', credentialExposure: 'rawPan' } }), { status: 422, code: 'raw_pan_acknowledgement_required' });

        const defaulted = await issueCard(testApp, holder, { type: 'single', maxAmount: 1_000 });
        await declare(testApp, holder, defaulted.id);
        assert.equal((await readDetails(testApp, holder, defaulted.id)).json.exposureMode, 'extensionOnly', "the organization's default");
        const policy = (await testApp.request('POST', '/v1/policies', { body: { name: 'sealed', credentialExposure: 'never' } })).json;
        const underPolicy = await issueCard(testApp, holder, { type: 'single', maxAmount: 1_000, policyId: policy.id });
        await declare(testApp, holder, underPolicy.id);
        refused(await readDetails(testApp, holder, underPolicy.id), { status: 409, code: 'credential_access_disabled' });
        // An agent token cannot choose its card's exposure.
        refused(await testApp.request('POST', `/v1/agents/${holder.agentId}/cards`, { key: holder.agentToken, body: { purpose: 'p', maxAmount: 500, credentialExposure: 'rawPan' } }), {
          status: 403,
          code: 'field_not_allowed_for_agent_token',
          param: 'credentialExposure',
        });
      } finally {
        await testApp.request('PATCH', '/v1/organization', { body: { defaultCredentialExposure: 'rawPan' } });
      }
    });
  });
}
