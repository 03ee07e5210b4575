import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isIssuedPanFormat, panFromRandomBytes } from '../../../src/domain/card-numbers.js';
import { isAppError } from '../../../src/domain/errors.js';
import type { AgentTokenPrincipal, ApiKeyPrincipal } from '../../../src/domain/principal.js';
import { createCard, freezeCard, getCard, getCardForPrincipal, listAgentCards, systemActor } from '../../../src/modules/cards/service.js';
import { createCardBody } from '../../../src/modules/cards/schemas.js';
import { decryptPan, panFingerprint } from '../../../src/modules/cards/vault.js';
import { testSecrets } from '../../../src/secrets.js';
import { assertError, scopeOf, startTestApp, type TestApp } from '../../helpers/app.js';
import { assertLedgerSound, balanceOf } from '../../helpers/money.js';
import { storeKinds } from '../../helpers/stores.js';
import { cardEvents, createCardThroughApi, fundedAgent, insertAgent } from './arrange.js';

const secrets = testSecrets();

for (const kind of storeKinds) {
  describe(`cards (${kind})`, () => {
    let testApp: TestApp;
    before(async () => {
      testApp = await startTestApp({ store: kind });
    });
    after(async () => testApp.close());

    it('creation issues a single-use card with defaults and reserves maxAmount from available', async () => {
      const { userId, agentId } = await fundedAgent(testApp, 10_000);
      const card = await createCardThroughApi(testApp, agentId, { purpose: 'Purchase wireless headphones from Amazon', maxAmount: 2_500 });
      const now = new Date(testApp.clock.nowMs());
      assert.match(card.id, /^card_[0-9a-z]{26}$/);
      assert.deepEqual(
        { ...card, id: undefined, last4: undefined, createdAt: undefined, updatedAt: undefined },
        {
          object: 'card',
          id: undefined,
          agentId,
          userId,
          type: 'single',
          purpose: 'Purchase wireless headphones from Amazon',
          maxAmount: 2_500,
          reservation: 2_500,
          limits: { perAuth: null, perDay: null, perMonth: null },
          policyId: null,
          merchantHint: null,
          maxAuthCount: null,
          attestationWindowMinutes: 10,
          credentialExposure: null,
          merchantDriftEnabled: false,
          onDrift: 'alert',
          onLimitExceeded: 'decline',
          requireApproval: null,
          autoApproveBelow: null,
          approvalMethod: null,
          approvalTimeoutMinutes: null,
          pinnedMerchant: null,
          issuer: 'sandbox',
          last4: undefined,
          expirationMonth: String(now.getUTCMonth() + 1).padStart(2, '0'),
          expirationYear: String(now.getUTCFullYear() + 3),
          status: 'active',
          statusReason: null,
          expiresAt: null,
          metadata: {},
          createdAt: undefined,
          updatedAt: undefined,
        },
      );
      assert.match(card.last4, /^\d{4}$/);
      assert.equal(card.createdAt, now.toISOString());
      assert.deepEqual(await balanceOf(testApp, userId), { total: 10_000, pending: 0, reserved: 2_500, available: 7_500 });
      await assertLedgerSound(testApp);

      // The stored number: issued range, Luhn-valid, matching last4 and fingerprint.
      const row = await testApp.store.db.get<{ pan_ciphertext: string; pan_fingerprint: string; last4: string }>('SELECT pan_ciphertext, pan_fingerprint, last4 FROM cards WHERE id = ?', [card.id]);
      const pan = decryptPan(secrets, row!.pan_ciphertext);
      assert.equal(isIssuedPanFormat(pan), true);
      assert.equal(pan.slice(-4), card.last4);
      assert.equal(row!.pan_fingerprint, panFingerprint(secrets, pan));

      const events = await cardEvents(testApp, card.id);
      assert.deepEqual(events.map((event) => event.type), ['card.created']);
      assert.deepEqual(events[0]!.object, card);

      const fetched = await testApp.request('GET', `/v1/cards/${card.id}`);
      assert.equal(fetched.statusCode, 200);
      assert.deepEqual(fetched.json, card);
    });

    it('creation takes every option: multi with limits, drift, approval, expiry and metadata', async () => {
      const { agentId } = await fundedAgent(testApp, 50_000);
      const card = await createCardThroughApi(testApp, agentId, {
        purpose: 'Groceries every week',
        type: 'multi',
        maxAmount: 20_000,
        limits: { perDay: 30_000, perMonth: 100_000 },
        onDrift: 'freeze_card',
        onLimitExceeded: 'freeze',
        requireApproval: true,
        autoApproveBelow: 5_000,
        expiresInMinutes: 90,
        metadata: { team: 'ops' },
      });
      assert.equal(card.type, 'multi');
      assert.equal(card.merchantDriftEnabled, true, 'drift detection defaults on for multi-use cards');
      assert.deepEqual(card.limits, { perAuth: null, perDay: 30_000, perMonth: 100_000 });
      assert.equal(card.onDrift, 'freeze_card');
      assert.equal(card.onLimitExceeded, 'freeze');
      assert.equal(card.requireApproval, true);
      assert.equal(card.autoApproveBelow, 5_000);
      assert.equal(card.expiresAt, new Date(testApp.clock.nowMs() + 90 * 60_000).toISOString());
      assert.deepEqual(card.metadata, { team: 'ops' });

      const noDrift = await createCardThroughApi(testApp, agentId, { purpose: 'Several shops', type: 'multi', maxAmount: 100, merchantDriftEnabled: false });
      assert.equal(noDrift.merchantDriftEnabled, false);
    });

    it('refuses a maxAmount above available with 409 naming both amounts, and changes nothing', async () => {
      const { userId, agentId } = await fundedAgent(testApp, 1_000);
      const before = await testApp.store.db.get<{ count: number }>('SELECT COUNT(*) AS count FROM events');
      const refused = await testApp.request('POST', `/v1/agents/${agentId}/cards`, { body: { purpose: 'Too big', maxAmount: 1_001 } });
      assert.equal(refused.statusCode, 409);
      assert.equal(refused.json.error.type, 'conflict_error');
      assert.equal(refused.json.error.code, 'insufficient_balance');
      assert.equal(refused.json.error.param, 'maxAmount');
      assert.match(refused.json.error.message, /\b1000\b/);
      assert.match(refused.json.error.message, /\b1001\b/);
      assert.deepEqual(await balanceOf(testApp, userId), { total: 1_000, pending: 0, reserved: 0, available: 1_000 });
      const cards = await testApp.store.db.all('SELECT id FROM cards WHERE agent_id = ?', [agentId]);
      assert.equal(cards.length, 0);
      const afterCount = await testApp.store.db.get<{ count: number }>('SELECT COUNT(*) AS count FROM events');
      assert.equal(Number(afterCount!.count), Number(before!.count));
      await assertLedgerSound(testApp);

      // Exactly the available amount is fine.
      const exact = await createCardThroughApi(testApp, agentId, { purpose: 'All of it', maxAmount: 1_000 });
      assert.equal(exact.reservation, 1_000);
      assert.deepEqual(await balanceOf(testApp, userId), { total: 1_000, pending: 0, reserved: 1_000, available: 0 });
      await assertLedgerSound(testApp);
    });

    it('refuses unapproved users (403), inactive agents (409), unknown or foreign agents (404) and bad input', async () => {
      const scope = scopeOf(testApp);
      const pendingUser = await testApp.request('POST', '/v1/users', { body: { firstName: 'Ann', lastName: 'Lee', email: 'ann@example.com' } });
      const unapprovedAgent = await insertAgent(testApp, scope, pendingUser.json.id);
      const notApproved = await testApp.request('POST', `/v1/agents/${unapprovedAgent}/cards`, { body: { purpose: 'x', maxAmount: 100 } });
      assert.equal(notApproved.statusCode, 403);
      assert.equal(notApproved.json.error.code, 'user_not_approved');
      assert.match(notApproved.json.error.message, /notStarted/);

      const { userId, agentId } = await fundedAgent(testApp, 5_000);
      for (const status of ['suspended', 'deregistered'] as const) {
        const inactive = await insertAgent(testApp, scope, userId, status);
        const refused = await testApp.request('POST', `/v1/agents/${inactive}/cards`, { body: { purpose: 'x', maxAmount: 100 } });
        assert.equal(refused.statusCode, 409, status);
        assert.equal(refused.json.error.code, 'agent_not_active');
        assert.match(refused.json.error.message, new RegExp(status));
      }

      const unknown = await testApp.request('POST', '/v1/agents/agent_00000000000000000000000000/cards', { body: { purpose: 'x', maxAmount: 100 } });
      assert.equal(unknown.statusCode, 404);
      assert.equal(unknown.json.error.code, 'resource_not_found');
      const otherEnvironment = await testApp.request('POST', `/v1/agents/${agentId}/cards`, { key: testApp.liveKey, body: { purpose: 'x', maxAmount: 100 } });
      assert.equal(otherEnvironment.statusCode, 404);

      const invalid: Array<[Record<string, unknown>, number, string, string]> = [
        [{ maxAmount: 100 }, 400, 'missing_parameter', 'purpose'],
        [{ purpose: 'x' }, 400, 'missing_parameter', 'maxAmount'],
        [{ purpose: 'x', maxAmount: '100' }, 400, 'invalid_parameter_type', 'maxAmount'],
        [{ purpose: 'x', maxAmount: 0 }, 422, 'invalid_parameter_value', 'maxAmount'],
        [{ purpose: 'x', maxAmount: 10.5 }, 400, 'invalid_parameter_type', 'maxAmount'],
        [{ purpose: '  ', maxAmount: 100 }, 422, 'invalid_parameter_value', 'purpose'],
        [{ purpose: 'x', maxAmount: 100, type: 'double' }, 422, 'invalid_parameter_value', 'type'],
        [{ purpose: 'x', maxAmount: 100, onDrift: 'panic' }, 422, 'invalid_parameter_value', 'onDrift'],
        [{ purpose: 'x', maxAmount: 100, onLimitExceeded: 'suspend' }, 422, 'invalid_parameter_value', 'onLimitExceeded'],
        [{ purpose: 'x', maxAmount: 100, expiresInMinutes: 0 }, 422, 'invalid_parameter_value', 'expiresInMinutes'],
        [{ purpose: 'x', maxAmount: 100, limits: { perDay: 0 } }, 422, 'invalid_parameter_value', 'limits.perDay'],
        [{ purpose: 'x', maxAmount: 100, limits: { perDay: 500, perMonth: 400 } }, 422, 'invalid_parameter_value', 'limits.perMonth'],
        [{ purpose: 'x', maxAmount: 100, limits: { perAuth: 101 } }, 422, 'invalid_parameter_value', 'limits.perAuth'],
        [{ purpose: 'x', maxAmount: 100, merchantHint: 'Amazon' }, 422, 'invalid_parameter_value', 'merchantHint'],
        [{ purpose: 'x', maxAmount: 100, ttlDays: 1, expiresInMinutes: 60 }, 422, 'invalid_parameter_value', 'ttlDays'],
        [{ purpose: 'x', maxAmount: 100, ttlDays: 0 }, 422, 'invalid_parameter_value', 'ttlDays'],
        [{ purpose: 'x', maxAmount: 100, maxAuthCount: 0 }, 422, 'invalid_parameter_value', 'maxAuthCount'],
        [{ purpose: 'x', maxAmount: 100, policyId: 'pol_unknown' }, 404, 'resource_not_found', 'policyId'],
        [{ purpose: 'x', maxAmount: 100, onDrift: 'frozen' }, 422, 'invalid_parameter_value', 'onDrift'],
      ];
      for (const [body, status, code, param] of invalid) {
        const response = await testApp.request('POST', `/v1/agents/${agentId}/cards`, { body });
        assert.equal(response.statusCode, status, JSON.stringify(body));
        assert.equal(response.json.error.code, code, JSON.stringify(body));
        assert.equal(response.json.error.param, param, JSON.stringify(body));
      }
      assert.deepEqual(await balanceOf(testApp, userId), { total: 5_000, pending: 0, reserved: 0, available: 5_000 });
      await assertLedgerSound(testApp);
    });

    it('freeze, unfreeze and close move the status with a reason, record events and who acted', async () => {
      const { userId, agentId } = await fundedAgent(testApp, 10_000);
      const card = await createCardThroughApi(testApp, agentId, { purpose: 'Lifecycle', type: 'multi', maxAmount: 4_000 });

      const frozen = await testApp.request('POST', `/v1/cards/${card.id}/freeze`);
      assert.equal(frozen.statusCode, 200);
      assert.equal(frozen.json.status, 'frozen');
      assert.equal(frozen.json.statusReason, 'manual');
      assert.equal(frozen.json.reservation, 4_000, 'a frozen card keeps its reservation');
      assert.deepEqual(await balanceOf(testApp, userId), { total: 10_000, pending: 0, reserved: 4_000, available: 6_000 });
      await assertLedgerSound(testApp);

      assert.equal(frozen.json.previousStatus, 'active');
      const frozenAgain = await testApp.request('POST', `/v1/cards/${card.id}/freeze`);
      assertError(frozenAgain, { status: 409, type: 'conflict_error', code: 'card_already_frozen' });
      assert.deepEqual((await testApp.request('GET', `/v1/cards/${card.id}`)).json, (({ previousStatus: _previous, ...rest }) => rest)(frozen.json));

      const unfrozen = await testApp.request('POST', `/v1/cards/${card.id}/unfreeze`);
      assert.equal(unfrozen.statusCode, 200);
      assert.equal(unfrozen.json.status, 'active');
      assert.equal(unfrozen.json.statusReason, null);
      assert.equal(unfrozen.json.previousStatus, 'frozen');
      const unfrozenAgain = await testApp.request('POST', `/v1/cards/${card.id}/unfreeze`);
      assert.equal(unfrozenAgain.statusCode, 200, 'unfreezing an active card is idempotent');
      assert.equal(unfrozenAgain.json.status, 'active');
      assert.equal(unfrozenAgain.json.previousStatus, 'active');

      await testApp.request('POST', `/v1/cards/${card.id}/freeze`);
      const closed = await testApp.request('POST', `/v1/cards/${card.id}/close`);
      assert.equal(closed.statusCode, 200);
      assert.equal(closed.json.status, 'closed');
      assert.equal(closed.json.statusReason, 'manual');
      assert.equal(closed.json.reservation, 0);
      assert.equal(closed.json.previousStatus, 'frozen');
      assert.deepEqual(await balanceOf(testApp, userId), { total: 10_000, pending: 0, reserved: 0, available: 10_000 });
      await assertLedgerSound(testApp);

      for (const [action, code] of [['freeze', 'card_not_active'], ['unfreeze', 'card_not_active'], ['close', 'card_already_closed']]) {
        const refused = await testApp.request('POST', `/v1/cards/${card.id}/${action}`);
        assert.equal(refused.statusCode, 409, action);
        assert.equal(refused.json.error.code, code);
        assert.match(refused.json.error.message, /closed \(manual\)/);
      }
      const patchClosed = await testApp.request('PATCH', `/v1/cards/${card.id}`, { body: { metadata: { a: 'b' } } });
      assert.equal(patchClosed.statusCode, 409);
      assert.equal(patchClosed.json.error.code, 'card_not_active');
      assert.deepEqual(await balanceOf(testApp, userId), { total: 10_000, pending: 0, reserved: 0, available: 10_000 });

      const events = await cardEvents(testApp, card.id);
      assert.deepEqual(events.map((event) => event.type), ['card.created', 'card.frozen', 'card.unfrozen', 'card.frozen', 'card.closed']);
      const [, firstFreeze, unfreeze, , close] = events;
      const by = (firstFreeze!.object.statusChange as { by: { kind: string; id: string } }).by;
      assert.equal(by.kind, 'apiKey');
      assert.match(by.id, /^key_/);
      assert.deepEqual(firstFreeze!.object.statusChange, { previousStatus: 'active', previousStatusReason: null, by });
      assert.deepEqual(unfreeze!.object.statusChange, { previousStatus: 'frozen', previousStatusReason: 'manual', by });
      assert.equal(close!.object.status, 'closed');
      assert.equal(close!.object.reservation, 0);
      assert.deepEqual(close!.object.statusChange, { previousStatus: 'frozen', previousStatusReason: 'manual', by });
    });

    it('unfreeze lifts any freeze reason and records the reason it lifted', async () => {
      const scope = scopeOf(testApp);
      const { agentId } = await fundedAgent(testApp, 1_000);
      const card = await createCardThroughApi(testApp, agentId, { purpose: 'Risky', type: 'multi', maxAmount: 500 });
      const frozen = await testApp.store.db.transaction((tx) => freezeCard(tx, scope, card.id, 'risk_merchant_drift', systemActor('risk'), testApp.clock.nowMs()));
      assert.equal(frozen.statusReason, 'risk_merchant_drift');
      const manualFreeze = await testApp.request('POST', `/v1/cards/${card.id}/freeze`);
      assertError(manualFreeze, { status: 409, type: 'conflict_error', code: 'card_already_frozen' });
      assert.match(manualFreeze.json.error.message, /risk_merchant_drift/);
      assert.equal((await testApp.request('GET', `/v1/cards/${card.id}`)).json.statusReason, 'risk_merchant_drift', 'a manual freeze of a frozen card keeps the first reason');
      const seen = await testApp.request('GET', `/v1/cards/${card.id}`);
      assert.equal(seen.json.statusReason, 'risk_merchant_drift');

      const unfrozen = await testApp.request('POST', `/v1/cards/${card.id}/unfreeze`);
      assert.equal(unfrozen.json.status, 'active');
      const events = await cardEvents(testApp, card.id);
      assert.deepEqual(events.map((event) => event.type), ['card.created', 'card.frozen', 'card.unfrozen']);
      assert.deepEqual(events[1]!.object.statusChange, { previousStatus: 'active', previousStatusReason: null, by: { kind: 'system', id: 'risk' } });
      assert.equal((events[2]!.object.statusChange as { previousStatusReason: string }).previousStatusReason, 'risk_merchant_drift');
    });

    it('PATCH changes limits, approval, drift and metadata (also while frozen) but never maxAmount', async () => {
      const { agentId } = await fundedAgent(testApp, 10_000);
      const card = await createCardThroughApi(testApp, agentId, { purpose: 'Settings', type: 'multi', maxAmount: 1_000, limits: { perDay: 2_000 } });

      const patched = await testApp.request('PATCH', `/v1/cards/${card.id}`, {
        body: { limits: { perMonth: 9_000 }, requireApproval: true, autoApproveBelow: 300, merchantDriftEnabled: false, onDrift: 'decline', onLimitExceeded: 'freeze', metadata: { k: 'v' } },
      });
      assert.equal(patched.statusCode, 200, patched.body);
      assert.deepEqual(patched.json.limits, { perAuth: null, perDay: 2_000, perMonth: 9_000 }, 'absent limit keys stay');
      assert.equal(patched.json.requireApproval, true);
      assert.equal(patched.json.autoApproveBelow, 300);
      assert.equal(patched.json.merchantDriftEnabled, false);
      assert.equal(patched.json.onDrift, 'decline');
      assert.equal(patched.json.onLimitExceeded, 'freeze');
      assert.deepEqual(patched.json.metadata, { k: 'v' });
      assert.equal(patched.json.maxAmount, 1_000);

      await testApp.request('POST', `/v1/cards/${card.id}/freeze`);
      const cleared = await testApp.request('PATCH', `/v1/cards/${card.id}`, { body: { limits: { perDay: null }, requireApproval: null, autoApproveBelow: null } });
      assert.equal(cleared.statusCode, 200);
      assert.deepEqual(cleared.json.limits, { perAuth: null, perDay: null, perMonth: 9_000 });
      assert.equal(cleared.json.requireApproval, null);
      assert.equal(cleared.json.status, 'frozen');

      const maxAmount = await testApp.request('PATCH', `/v1/cards/${card.id}`, { body: { maxAmount: 5_000, metadata: { other: 'x' } } });
      assert.equal(maxAmount.statusCode, 422);
      assert.equal(maxAmount.json.error.code, 'invalid_parameter_value');
      assert.equal(maxAmount.json.error.param, 'maxAmount');
      const inverted = await testApp.request('PATCH', `/v1/cards/${card.id}`, { body: { limits: { perDay: 10_000 } } });
      assert.equal(inverted.statusCode, 422);
      assert.equal(inverted.json.error.param, 'limits.perMonth');
      const unchanged = await testApp.request('GET', `/v1/cards/${card.id}`);
      assert.deepEqual(unchanged.json, cleared.json);

      const events = await cardEvents(testApp, card.id);
      assert.deepEqual(events.map((event) => event.type), ['card.created', 'card.updated', 'card.frozen', 'card.updated']);
      await assertLedgerSound(testApp);
    });

    it('lists cards newest first with filters and cursors, and per agent', async () => {
      const first = await fundedAgent(testApp, 10_000);
      const second = await fundedAgent(testApp, 10_000);
      const a = await createCardThroughApi(testApp, first.agentId, { purpose: 'a', maxAmount: 100 });
      const b = await createCardThroughApi(testApp, first.agentId, { purpose: 'b', maxAmount: 100 });
      const c = await createCardThroughApi(testApp, first.agentId, { purpose: 'c', maxAmount: 100 });
      const d = await createCardThroughApi(testApp, second.agentId, { purpose: 'd', maxAmount: 100 });
      await testApp.request('POST', `/v1/cards/${b.id}/freeze`);

      const ids = (response: { json: { data: Array<{ id: string }> } }) => response.json.data.map((card) => card.id);
      const byAgent = await testApp.request('GET', `/v1/cards?agentId=${first.agentId}`);
      assert.deepEqual(ids(byAgent), [c.id, b.id, a.id]);
      assert.equal(byAgent.json.object, 'list');
      assert.equal(byAgent.json.hasMore, false);
      assert.equal(byAgent.json.nextCursor, null);
      assert.deepEqual(ids(await testApp.request('GET', `/v1/cards?userId=${second.userId}`)), [d.id]);
      assert.deepEqual(ids(await testApp.request('GET', `/v1/cards?agentId=${first.agentId}&status=frozen`)), [b.id]);
      assert.deepEqual(ids(await testApp.request('GET', `/v1/cards?agentId=${first.agentId}&status=active`)), [c.id, a.id]);

      const page1 = await testApp.request('GET', `/v1/cards?agentId=${first.agentId}&limit=2`);
      assert.deepEqual(ids(page1), [c.id, b.id]);
      assert.equal(page1.json.hasMore, true);
      const page2 = await testApp.request('GET', `/v1/cards?agentId=${first.agentId}&limit=2&cursor=${page1.json.nextCursor}`);
      assert.deepEqual(ids(page2), [a.id]);
      assert.equal(page2.json.hasMore, false);

      const all = await testApp.request('GET', '/v1/cards?limit=100');
      assert.ok(ids(all).indexOf(d.id) < ids(all).indexOf(a.id));
      assert.equal((await testApp.request('GET', '/v1/cards?status=deleted')).statusCode, 422);

      const agentList = await testApp.request('GET', `/v1/agents/${first.agentId}/cards?status=active`);
      assert.equal(agentList.statusCode, 200);
      assert.deepEqual(ids(agentList), [c.id, a.id]);
      assert.equal((await testApp.request('GET', '/v1/agents/agent_00000000000000000000000000/cards')).statusCode, 404);

      // The live environment sees none of it.
      assert.equal((await testApp.request('GET', `/v1/agents/${first.agentId}/cards`, { key: testApp.liveKey })).statusCode, 404);
      assert.equal((await testApp.request('GET', `/v1/cards/${a.id}`, { key: testApp.liveKey })).statusCode, 404);
      assert.equal((await testApp.request('POST', `/v1/cards/${a.id}/close`, { key: testApp.liveKey })).statusCode, 404);
      assert.deepEqual(ids(await testApp.request('GET', `/v1/cards?agentId=${first.agentId}`, { key: testApp.liveKey })), []);
    });

    it("an agent token sees its own agent's cards and gets 404 for any other", async () => {
      const scope = scopeOf(testApp);
      const mine = await fundedAgent(testApp, 1_000);
      const theirs = await fundedAgent(testApp, 1_000);
      const myCard = await createCardThroughApi(testApp, mine.agentId, { purpose: 'mine', maxAmount: 100 });
      const theirCard = await createCardThroughApi(testApp, theirs.agentId, { purpose: 'theirs', maxAmount: 100 });
      const token: AgentTokenPrincipal = { kind: 'agentToken', id: 'tok_test', agentId: mine.agentId, organizationId: testApp.organizationId, environment: 'sandbox' };
      const apiKey: ApiKeyPrincipal = { kind: 'apiKey', id: 'key_test', organizationId: testApp.organizationId, environment: 'sandbox', allowedIps: null };
      const db = testApp.store.db;

      assert.equal((await getCardForPrincipal(db, scope, token, myCard.id)).id, myCard.id);
      assert.equal((await getCardForPrincipal(db, scope, apiKey, theirCard.id)).id, theirCard.id);
      await assert.rejects(getCardForPrincipal(db, scope, token, theirCard.id), (error) => isAppError(error) && error.code === 'resource_not_found' && error.status === 404);
      const own = await listAgentCards(db, scope, token, mine.agentId, undefined, { limit: 20 });
      assert.deepEqual(own.data.map((card) => card.id), [myCard.id]);
      await assert.rejects(listAgentCards(db, scope, token, theirs.agentId, undefined, { limit: 20 }), (error) => isAppError(error) && error.code === 'resource_not_found');
    });

    it('expiresInMinutes closes the card as expired when the sandbox clock passes it, releasing the reservation', async () => {
      const { userId, agentId } = await fundedAgent(testApp, 10_000);
      const expiring = await createCardThroughApi(testApp, agentId, { purpose: 'Short-lived', maxAmount: 2_000, expiresInMinutes: 30 });
      const expiringFrozen = await createCardThroughApi(testApp, agentId, { purpose: 'Short-lived, frozen', maxAmount: 3_000, expiresInMinutes: 30 });
      const lasting = await createCardThroughApi(testApp, agentId, { purpose: 'No expiry', maxAmount: 1_000 });
      await testApp.request('POST', `/v1/cards/${expiringFrozen.id}/freeze`);
      assert.deepEqual(await balanceOf(testApp, userId), { total: 10_000, pending: 0, reserved: 6_000, available: 4_000 });

      const early = await testApp.request('POST', '/v1/sandbox/clock/advance', { body: { seconds: 29 * 60 + 59 } });
      assert.equal(early.statusCode, 200);
      assert.equal((await testApp.request('GET', `/v1/cards/${expiring.id}`)).json.status, 'active');
      assert.equal((await testApp.request('GET', `/v1/cards/${expiringFrozen.id}`)).json.status, 'frozen');

      await testApp.request('POST', '/v1/sandbox/clock/advance', { body: { seconds: 1 } });
      for (const card of [expiring, expiringFrozen]) {
        const seen = await testApp.request('GET', `/v1/cards/${card.id}`);
        assert.equal(seen.json.status, 'closed', card.purpose);
        assert.equal(seen.json.statusReason, 'expired');
        assert.equal(seen.json.reservation, 0);
        const events = await cardEvents(testApp, card.id);
        const closedEvent = events.at(-1)!;
        assert.equal(closedEvent.type, 'card.closed');
        assert.deepEqual((closedEvent.object.statusChange as { by: unknown }).by, { kind: 'system', id: 'expired' });
      }
      assert.equal((await testApp.request('GET', `/v1/cards/${lasting.id}`)).json.status, 'active');
      assert.deepEqual(await balanceOf(testApp, userId), { total: 10_000, pending: 0, reserved: 1_000, available: 9_000 });
      await assertLedgerSound(testApp);

      // Running due work again changes nothing more.
      await testApp.request('POST', '/v1/sandbox/clock/advance', { body: { seconds: 3_600 } });
      assert.equal((await cardEvents(testApp, expiring.id)).filter((event) => event.type === 'card.closed').length, 1);
      assert.deepEqual(await balanceOf(testApp, userId), { total: 10_000, pending: 0, reserved: 1_000, available: 9_000 });
      await assertLedgerSound(testApp);
    });

    it('draws another number when a generated one is already issued, and gives up after a bounded number of draws', async () => {
      const scope = scopeOf(testApp);
      const { userId, agentId } = await fundedAgent(testApp, 10_000);
      const input = createCardBody.parse({ purpose: 'Collision', maxAmount: 100 });
      const taken = new Uint8Array(8).fill(3);
      const fresh = new Uint8Array(8).fill(4);
      const draws: Uint8Array[] = [];
      const scripted = (sequence: Uint8Array[]) => (byteCount: number) => {
        const next = sequence.shift() ?? taken;
        assert.equal(byteCount, 8);
        draws.push(next);
        return next;
      };
      const first = await testApp.store.db.transaction((tx) => createCard(tx, scope, secrets, agentId, input, testApp.clock.nowMs(), scripted([taken])));
      assert.equal(decryptPan(secrets, first.panCiphertext), panFromRandomBytes(taken));

      draws.length = 0;
      const second = await testApp.store.db.transaction((tx) => createCard(tx, scope, secrets, agentId, input, testApp.clock.nowMs(), scripted([taken, fresh])));
      assert.equal(draws.length, 2);
      assert.equal(decryptPan(secrets, second.panCiphertext), panFromRandomBytes(fresh));
      assert.notEqual(second.panFingerprint, first.panFingerprint);

      draws.length = 0;
      await assert.rejects(
        testApp.store.db.transaction((tx) => createCard(tx, scope, secrets, agentId, input, testApp.clock.nowMs(), scripted([]))),
        /no unused card number after 8 draws/,
      );
      assert.equal(draws.length, 8);
      assert.deepEqual(await balanceOf(testApp, userId), { total: 10_000, pending: 0, reserved: 200, available: 9_800 });
      const stored = await getCard(testApp.store.db, scope, second.id);
      assert.equal(stored.reservationCents, 100);
      await assertLedgerSound(testApp);
    });

    it('20 concurrent creations against a balance that covers 7 make exactly 7 cards', async () => {
      const { userId, agentId } = await fundedAgent(testApp, 7_000);
      const responses = await Promise.all(
        Array.from({ length: 20 }, (_, index) => testApp.request('POST', `/v1/agents/${agentId}/cards`, { body: { purpose: `concurrent ${index}`, maxAmount: 1_000 } })),
      );
      const created = responses.filter((response) => response.statusCode === 200);
      const refused = responses.filter((response) => response.statusCode !== 200);
      assert.equal(created.length, 7);
      for (const response of refused) {
        assert.equal(response.statusCode, 409, response.body);
        assert.equal(response.json.error.code, 'insufficient_balance');
      }
      assert.deepEqual(await balanceOf(testApp, userId), { total: 7_000, pending: 0, reserved: 7_000, available: 0 });
      const rows = await testApp.store.db.all<{ reservation: number }>('SELECT reservation FROM cards WHERE agent_id = ?', [agentId]);
      assert.equal(rows.length, 7);
      assert.equal(new Set(created.map((response) => response.json.last4 + response.json.id)).size, 7);
      await assertLedgerSound(testApp);
    });
  });
}
