// The budget warning (SPEC §11 Webhooks): `agent.limit_warning` when an approved authorization brings the agent's
// spend in its window to `limitWarningThreshold` of its limit (default 80 %), once per window — also across
// restarts, since the warned window is kept on the agent — and never for perTransaction limits. Time moves with
// the sandbox clock.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { createApp } from '../../../src/app.js';
import { loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/http/logger.js';
import { testSecrets } from '../../../src/secrets.js';
import { assertError, scopeOf, useTestApp } from '../../helpers/app.js';
import { fundUser } from '../../helpers/money.js';
import { advanceSandbox } from '../../helpers/sandbox-clock.js';
import { storeKinds } from '../../helpers/stores.js';
import { registerAgent, type RegisteredAgent } from './arrange.js';

const hourSeconds = 60 * 60;
const daySeconds = 24 * hourSeconds;

for (const kind of storeKinds) {
  describe(`agent.limit_warning (${kind})`, () => {
    const testApp = useTestApp({ store: kind }, { perTest: true });

    beforeEach(async () => {
      // Sandbox time starts at 2026-03-10 12:00 UTC (the offset is 0 on a fresh store).
      testApp.clock.setMs(Date.parse('2026-03-10T12:00:00.000Z'));
    });

    async function agentWithCard(agentBody: Record<string, unknown>): Promise<{ agent: RegisteredAgent; cardId: string }> {
      const agent = await registerAgent(testApp, agentBody);
      await fundUser(testApp.store.db, scopeOf(testApp), agent.userId, 1_000_000, testApp.clock.nowMs());
      const card = await testApp.request('POST', `/v1/agents/${agent.id}/cards`, { body: { purpose: 'budget test', type: 'multi', maxAmount: 20_000, merchantDriftEnabled: false } });
      assert.equal(card.statusCode, 200, card.body);
      return { agent, cardId: card.json.id };
    }

    let merchantSequence = 0;
    async function authorize(cardId: string, amount: number, request = testApp.request): Promise<string> {
      merchantSequence += 1; // a new merchant each time, so no duplicate or drift rule has a say
      const response = await request('POST', '/v1/sandbox/authorizations', { body: { cardId, amount, merchant: { name: `Shop ${merchantSequence}` } } });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json.status, 'pending', response.body);
      return response.json.id;
    }

    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    async function warnings(agentId: string): Promise<Array<Record<string, any>>> {
      const rows = await testApp.store.db.all<{ data: string; created_at: number }>("SELECT data, created_at FROM events WHERE type = 'agent.limit_warning' AND data LIKE ? ORDER BY id", [
        `%"${agentId}"%`,
      ]);
      return rows.map((row) => ({ ...JSON.parse(row.data).object, recordedAt: new Date(row.created_at).toISOString() }));
    }

    it('perMonth: crossing 80 % warns once; more spend in the month does not; the next month warns again', async () => {
      const { agent, cardId } = await agentWithCard({ spendingLimit: 10_000, spendingLimitFrequency: 'perMonth' });
      await authorize(cardId, 5_000);
      await authorize(cardId, 2_999);
      assert.deepEqual(await warnings(agent.id), [], '79.99 % is below the threshold');

      const crossing = await authorize(cardId, 1);
      assert.deepEqual(await warnings(agent.id), [
        {
          object: 'agent_policy',
          agentId: agent.id,
          spendingLimit: 10_000,
          spendingLimitFrequency: 'perMonth',
          currentSpend: 8_000,
          remaining: 2_000,
          windowStart: '2026-03-01T00:00:00.000Z',
          windowEnd: '2026-04-01T00:00:00.000Z',
          limitWarningThreshold: 0.8,
          transactionId: crossing,
          recordedAt: '2026-03-10T12:00:00.000Z',
        },
      ]);
      // The webhook catalogue knows the type, and the event reaches GET /v1/events.
      const listed = await testApp.request('GET', '/v1/events?type=agent.limit_warning');
      assert.equal(listed.json.data.length, 1, listed.body);

      await authorize(cardId, 1_500);
      await advanceSandbox(testApp, 5 * daySeconds);
      await authorize(cardId, 400);
      assert.equal((await warnings(agent.id)).length, 1, 'once per window');

      await advanceSandbox(testApp, 22 * daySeconds); // 2026-04-06
      await authorize(cardId, 7_000);
      assert.equal((await warnings(agent.id)).length, 1);
      await authorize(cardId, 1_200);
      const [, april] = await warnings(agent.id);
      assert.deepEqual([april?.windowStart, april?.currentSpend, april?.remaining], ['2026-04-01T00:00:00.000Z', 8_200, 1_800]);
      assert.equal((await warnings(agent.id)).length, 2);
    });

    it('one authorization may cross the threshold from nothing; the share is the agent’s own', async () => {
      const { agent, cardId } = await agentWithCard({ spendingLimit: 10_000, spendingLimitFrequency: 'perWeek', limitWarningThreshold: 0.5 });
      await authorize(cardId, 4_999);
      assert.equal((await warnings(agent.id)).length, 0);
      await authorize(cardId, 1);
      const [warning] = await warnings(agent.id);
      assert.deepEqual([warning?.limitWarningThreshold, warning?.currentSpend, warning?.windowStart], [0.5, 5_000, '2026-03-09T00:00:00.000Z']);

      const whole = await agentWithCard({ spendingLimit: 10_000, limitWarningThreshold: 1 });
      await authorize(whole.cardId, 9_999);
      assert.equal((await warnings(whole.agent.id)).length, 0);
      await authorize(whole.cardId, 1);
      assert.equal((await warnings(whole.agent.id)).length, 1, 'a share of 1 warns when the limit is reached');
    });

    it('per24HourPeriod: once per rolling window — again only when the warned spend has left it', async () => {
      const { agent, cardId } = await agentWithCard({ spendingLimit: 10_000, spendingLimitFrequency: 'per24HourPeriod' });
      await authorize(cardId, 8_500);
      assert.equal((await warnings(agent.id)).length, 1);
      await advanceSandbox(testApp, 12 * hourSeconds);
      await authorize(cardId, 1_000);
      assert.equal((await warnings(agent.id)).length, 1);
      await advanceSandbox(testApp, 12 * hourSeconds + 1); // the first 8,500 no longer counts; 1,000 does
      await authorize(cardId, 7_000);
      const all = await warnings(agent.id);
      assert.equal(all.length, 2);
      assert.equal(all[1]?.currentSpend, 8_000);
    });

    it('perTransaction limits and agents without a limit never warn', async () => {
      const perTransaction = await agentWithCard({ spendingLimit: 1_000, spendingLimitFrequency: 'perTransaction' });
      await authorize(perTransaction.cardId, 1_000);
      await authorize(perTransaction.cardId, 900);
      assert.deepEqual(await warnings(perTransaction.agent.id), []);
      const unlimited = await agentWithCard({});
      await authorize(unlimited.cardId, 15_000);
      assert.deepEqual(await warnings(unlimited.agent.id), []);
    });

    it('a decline does not warn; an increment that crosses does', async () => {
      const { agent, cardId } = await agentWithCard({ spendingLimit: 10_000 });
      const declined = await testApp.request('POST', '/v1/sandbox/authorizations', { body: { cardId, amount: 10_001, merchant: { name: 'Too much' } } });
      assert.equal(declined.json.declineReason, 'agent_limit_exceeded');
      const held = await authorize(cardId, 7_000);
      assert.equal((await warnings(agent.id)).length, 0);
      const incremented = await testApp.request('POST', `/v1/sandbox/transactions/${held}/increment`, { body: { amount: 1_500 } });
      assert.equal(incremented.statusCode, 200, incremented.body);
      const [warning] = await warnings(agent.id);
      assert.deepEqual([warning?.currentSpend, warning?.transactionId], [8_500, held]);
    });

    it('a new limit, frequency or share re-arms the warning for the current window; other changes do not', async () => {
      const { agent, cardId } = await agentWithCard({ spendingLimit: 10_000 });
      await authorize(cardId, 8_000);
      assert.equal((await warnings(agent.id)).length, 1);
      await testApp.request('PATCH', `/v1/agents/${agent.id}`, { body: { name: 'renamed', maxCards: 5 } });
      await authorize(cardId, 100);
      assert.equal((await warnings(agent.id)).length, 1, 'settings unrelated to the budget keep the window warned');

      const raised = await testApp.request('PATCH', `/v1/agents/${agent.id}`, { body: { spendingLimit: 20_000 } });
      assert.equal(raised.json.limitWarningThreshold, 0.8);
      await authorize(cardId, 7_000); // 15,100 of 20,000: 75.5 %
      assert.equal((await warnings(agent.id)).length, 1);
      await authorize(cardId, 1_000); // 16,100: 80.5 %
      assert.equal((await warnings(agent.id)).length, 2);

      const share = await testApp.request('PATCH', `/v1/agents/${agent.id}`, { body: { limitWarningThreshold: 0.9 } });
      assert.equal(share.json.limitWarningThreshold, 0.9);
      await authorize(cardId, 2_000); // 18,100: 90.5 %
      const all = await warnings(agent.id);
      assert.deepEqual(
        all.map((warning) => warning.limitWarningThreshold),
        [0.8, 0.8, 0.9],
      );
      assertError(await testApp.request('PATCH', `/v1/agents/${agent.id}`, { body: { limitWarningThreshold: 0 } }), {
        status: 422,
        type: 'validation_error',
        code: 'invalid_parameter_value',
        param: 'limitWarningThreshold',
      });
    });

    it('the warned window is kept on the agent: another process (or the same one restarted) does not warn twice', async () => {
      const { agent, cardId } = await agentWithCard({ spendingLimit: 10_000 });
      await authorize(cardId, 8_000);
      const row = await testApp.store.db.get<{ limit_warning_window_start: number }>('SELECT limit_warning_window_start FROM agents WHERE id = ?', [agent.id]);
      assert.equal(row?.limit_warning_window_start, Date.parse('2026-03-01T00:00:00.000Z'));

      const restarted = await createApp({ config: loadConfig({}), db: testApp.store.db, clock: testApp.clock, logger: createLogger('silent'), secrets: testSecrets() });
      await restarted.server.ready();
      try {
        const viaRestarted: typeof testApp.request = async (method, url, options = {}) => {
          const response = await restarted.server.inject({
            method: method as 'POST',
            url,
            headers: { 'Api-Key': testApp.sandboxKey, 'content-type': 'application/json' },
            payload: JSON.stringify(options.body),
          });
          return { statusCode: response.statusCode, headers: response.headers, body: response.body, json: JSON.parse(response.body) };
        };
        await authorize(cardId, 1_000, viaRestarted);
        assert.equal((await warnings(agent.id)).length, 1);
        await advanceSandbox(testApp, 25 * daySeconds); // April
        await authorize(cardId, 9_000, viaRestarted);
        assert.equal((await warnings(agent.id)).length, 2);
      } finally {
        await restarted.close();
      }
    });
  });
}
