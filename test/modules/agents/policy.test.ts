// GET /v1/agents/{id}/policy: the limit, the window it counts over at environment time, the spend in it and what
// remains: currentSpend sums the agent's approved authorizations (pending or settled, not voided or declined) in the
// window.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { scopeOf, useTestApp, type TestApp } from '../../helpers/app.js';
import { fundUser } from '../../helpers/money.js';
import { storeKinds } from '../../helpers/stores.js';
import { newId } from '../../../src/domain/ids.js';
import { registerAgent } from './arrange.js';

async function sandboxOffsetMs(testApp: TestApp): Promise<number> {
  const clock = await testApp.request('GET', '/v1/sandbox/clock');
  assert.equal(clock.statusCode, 200, clock.body);
  return clock.json.offsetSeconds * 1000;
}

for (const kind of storeKinds) {
  describe(`agent policy (${kind})`, () => {
    const testApp = useTestApp({ store: kind });

    /** Puts sandbox time (wall clock plus the sandbox offset) at `iso`. */
    async function setSandboxTime(iso: string): Promise<void> {
      testApp.clock.setMs(Date.parse(iso) - (await sandboxOffsetMs(testApp)));
    }

    async function policyOf(agentId: string, key?: string) {
      const response = await testApp.request('GET', `/v1/agents/${agentId}/policy`, key === undefined ? {} : { key });
      assert.equal(response.statusCode, 200, response.body);
      return response.json;
    }

    beforeEach(async () => {
      await setSandboxTime('2026-02-14T15:30:00.000Z');
    });

    it('currentSpend counts pending and settled authorizations in the window, not voided, declined or earlier ones', async () => {
      const agent = await registerAgent(testApp, { spendingLimit: 50_000, spendingLimitFrequency: 'perMonth' });
      await fundUser(testApp.store.db, scopeOf(testApp), agent.userId, 20_000, testApp.clock.nowMs());
      const card = await testApp.request('POST', `/v1/agents/${agent.id}/cards`, { body: { purpose: 'spend', type: 'multi', maxAmount: 20_000 } });
      assert.equal(card.statusCode, 200, card.body);
      const inFebruary = Date.parse('2026-02-10T08:00:00.000Z');
      const inJanuary = Date.parse('2026-01-31T23:59:59.999Z');
      const authorizations: Array<[string, number, number]> = [
        ['pending', 10_000, inFebruary],
        ['settled', 5_000, inFebruary],
        ['voided', 7_000, inFebruary],
        ['declined', 9_000, inFebruary],
        ['pending', 3_000, inJanuary],
      ];
      for (const [status, amount, createdAtMs] of authorizations) {
        await testApp.store.db.run(
          `INSERT INTO transactions (id, organization_id, environment, card_id, agent_id, user_id, status, amount, settled_amount, currency, merchant_name, merchant_normalized_name, attestation_status, created_at, updated_at)
           VALUES (?, ?, 'sandbox', ?, ?, ?, ?, ?, ?, 'USD', 'Amazon', 'amazon', 'unattested', ?, ?)`,
          [newId('txn', createdAtMs), testApp.organizationId, card.json.id, agent.id, agent.userId, status, amount, status === 'settled' ? amount : 0, createdAtMs, createdAtMs],
        );
      }
      const policy = await policyOf(agent.id);
      assert.equal(policy.currentSpend, 15_000);
      assert.equal(policy.remaining, 35_000);
      const byToken = await policyOf(agent.id, agent.token);
      assert.equal(byToken.currentSpend, 15_000);
    });

    it('perMonth: the calendar month around now, the whole limit remaining', async () => {
      const agent = await registerAgent(testApp, { spendingLimit: 50_000, spendingLimitFrequency: 'perMonth' });
      assert.deepEqual(await policyOf(agent.id), {
        object: 'agent_policy',
        agentId: agent.id,
        spendingLimit: 50_000,
        spendingLimitFrequency: 'perMonth',
        currentSpend: 0,
        remaining: 50_000,
        windowStart: '2026-02-01T00:00:00.000Z',
        windowEnd: '2026-03-01T00:00:00.000Z',
      });
      // Its own token sees the same.
      assert.deepEqual(await policyOf(agent.id, agent.token), await policyOf(agent.id));

      await setSandboxTime('2026-02-28T23:59:59.999Z');
      assert.equal((await policyOf(agent.id)).windowEnd, '2026-03-01T00:00:00.000Z');
      await setSandboxTime('2026-03-01T00:00:00.000Z');
      const march = await policyOf(agent.id);
      assert.equal(march.windowStart, '2026-03-01T00:00:00.000Z');
      assert.equal(march.windowEnd, '2026-04-01T00:00:00.000Z');
    });

    it('follows the sandbox clock: advancing it moves the window', async () => {
      const agent = await registerAgent(testApp, { spendingLimit: 1_000, spendingLimitFrequency: 'perMonth' });
      await setSandboxTime('2026-02-28T23:00:00.000Z');
      const advanced = await testApp.request('POST', '/v1/sandbox/clock/advance', { body: { seconds: 3_600 } });
      assert.equal(advanced.statusCode, 200, advanced.body);
      assert.equal(advanced.json.now, '2026-03-01T00:00:00.000Z');
      assert.equal((await policyOf(agent.id)).windowStart, '2026-03-01T00:00:00.000Z');
    });

    it('perWeek: Monday 00:00 UTC to the next Monday; Sunday 23:59:59.999 is still the old week', async () => {
      const agent = await registerAgent(testApp, { spendingLimit: 20_000, spendingLimitFrequency: 'perWeek' });
      await setSandboxTime('2026-02-15T23:59:59.999Z'); // a Sunday
      const sunday = await policyOf(agent.id);
      assert.deepEqual([sunday.windowStart, sunday.windowEnd], ['2026-02-09T00:00:00.000Z', '2026-02-16T00:00:00.000Z']);
      await setSandboxTime('2026-02-16T00:00:00.000Z'); // the Monday after
      const monday = await policyOf(agent.id);
      assert.deepEqual([monday.windowStart, monday.windowEnd], ['2026-02-16T00:00:00.000Z', '2026-02-23T00:00:00.000Z']);
    });

    it('per24HourPeriod: the rolling 24 hours ending now', async () => {
      const agent = await registerAgent(testApp, { spendingLimit: 5_000, spendingLimitFrequency: 'per24HourPeriod' });
      const policy = await policyOf(agent.id);
      assert.deepEqual([policy.windowStart, policy.windowEnd], ['2026-02-13T15:30:00.000Z', '2026-02-14T15:30:00.000Z']);
      assert.equal(policy.remaining, 5_000);
    });

    it('perYear and allTime windows', async () => {
      const yearly = await registerAgent(testApp, { spendingLimit: 1_000_000, spendingLimitFrequency: 'perYear' });
      const yearPolicy = await policyOf(yearly.id);
      assert.deepEqual([yearPolicy.windowStart, yearPolicy.windowEnd], ['2026-01-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z']);
      const forever = await registerAgent(testApp, { spendingLimit: 1_000_000, spendingLimitFrequency: 'allTime' });
      const foreverPolicy = await policyOf(forever.id);
      assert.deepEqual([foreverPolicy.windowStart, foreverPolicy.windowEnd], ['1970-01-01T00:00:00.000Z', null]);
    });

    it('perTransaction: no window, the whole limit for each authorization', async () => {
      const agent = await registerAgent(testApp, { spendingLimit: 7_500, spendingLimitFrequency: 'perTransaction' });
      const policy = await policyOf(agent.id);
      assert.equal(policy.windowStart, null);
      assert.equal(policy.windowEnd, null);
      assert.equal(policy.currentSpend, 0);
      assert.equal(policy.remaining, 7_500);
    });

    it('no limit: spendingLimit and remaining are null; the window of the default frequency is still shown', async () => {
      const agent = await registerAgent(testApp);
      const policy = await policyOf(agent.id);
      assert.equal(policy.spendingLimit, null);
      assert.equal(policy.remaining, null);
      assert.equal(policy.spendingLimitFrequency, 'perMonth');
      assert.equal(policy.windowStart, '2026-02-01T00:00:00.000Z');
    });

    it('a zero limit leaves nothing to spend', async () => {
      const agent = await registerAgent(testApp, { spendingLimit: 0, spendingLimitFrequency: 'perWeek' });
      assert.equal((await policyOf(agent.id)).remaining, 0);
    });

    it('live agents run on the wall clock, whatever the sandbox offset', async () => {
      const advanced = await testApp.request('POST', '/v1/sandbox/clock/advance', { body: { seconds: 40 * 86_400 } });
      assert.equal(advanced.statusCode, 200, advanced.body);
      testApp.clock.setMs(Date.parse('2026-02-14T15:30:00.000Z'));
      const live = await registerAgent(testApp, { spendingLimit: 1_000, spendingLimitFrequency: 'perMonth' }, { environment: 'live' });
      const policy = await policyOf(live.id, testApp.liveKey);
      assert.equal(policy.windowStart, '2026-02-01T00:00:00.000Z');
      const sandbox = await registerAgent(testApp, { spendingLimit: 1_000, spendingLimitFrequency: 'perMonth' });
      assert.equal((await policyOf(sandbox.id)).windowStart, '2026-03-01T00:00:00.000Z', 'the sandbox is 40 days ahead');
    });
  });
}
