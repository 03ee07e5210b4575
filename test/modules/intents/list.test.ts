// GET /v1/intents on SQLite and PostgreSQL: the environment's intents across every card, newest first, filtered by
// status (the approval queue is status=pending_approval; an intent past its expiry counts as expired), card, agent and
// user, paged with cursors; API keys only, and another organization or environment sees none of them.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { initializeOrganization } from '../../../src/modules/organizations/bootstrap.js';
import { assertError, useTestApp } from '../../helpers/app.js';
import { storeKinds } from '../../helpers/stores.js';
import { agentWithCard, createCard, declareIntent, type AgentCard } from './arrange.js';

for (const kind of storeKinds) {
  describe(`GET /v1/intents (${kind})`, () => {
    const testApp = useTestApp({ store: kind });
    let first: AgentCard;
    let second: AgentCard;
    let approvalCardId: string;
    /** Every intent made, oldest first. */
    const made: Array<{ id: string; cardId: string; agentId: string; userId: string; status: string }> = [];

    async function list(query: string, key?: string) {
      const response = await testApp.request('GET', `/v1/intents${query}`, key === undefined ? {} : { key });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.json.object, 'list');
      return response.json as { data: Array<{ id: string; status: string; cardId: string; agentId: string; userId: string; decisionReason: string | null }>; hasMore: boolean; nextCursor: string | null };
    }

    /** Every page of the filtered list, following nextCursor, with `limit` per page. */
    async function allPages(filters: Record<string, string>, limit: number): Promise<string[]> {
      const ids: string[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 50; page += 1) {
        const query = new URLSearchParams({ ...filters, limit: String(limit), ...(cursor === null ? {} : { cursor }) });
        const result = await list(`?${query}`);
        assert.ok(result.data.length <= limit);
        ids.push(...result.data.map((intent) => intent.id));
        assert.equal(result.hasMore, result.nextCursor !== null);
        if (!result.hasMore) return ids;
        cursor = result.nextCursor;
      }
      throw new Error('more than 50 pages');
    }

    const newestFirst = (filter: (intent: (typeof made)[number]) => boolean) => made.filter(filter).map((intent) => intent.id).reverse();

    before(async () => {
      first = await agentWithCard(testApp);
      second = await agentWithCard(testApp);
      approvalCardId = (await createCard(testApp, first.agentId, { requireApproval: true })).id;
      const record = (intent: { id: string; status: string }, owner: AgentCard, cardId: string) =>
        made.push({ id: intent.id, status: intent.status, cardId, agentId: owner.agentId, userId: owner.userId });
      for (let index = 0; index < 3; index += 1) record(await declareIntent(testApp, first.cardId, first.token, { summary: `first ${index}` }), first, first.cardId);
      for (let index = 0; index < 2; index += 1) record(await declareIntent(testApp, approvalCardId, first.token, { summary: `approval ${index}` }), first, approvalCardId);
      for (let index = 0; index < 2; index += 1) record(await declareIntent(testApp, second.cardId, second.token, { summary: `second ${index}` }), second, second.cardId);
      const canceled = await testApp.request('POST', `/v1/intents/${made[0]!.id}/cancel`, { key: first.token, body: {} });
      assert.equal(canceled.statusCode, 200, canceled.body);
      made[0]!.status = 'canceled';
    });

    it('lists every card’s intents, newest first, and pages through them with cursors', async () => {
      const all = await list('');
      assert.deepEqual(all.data.map((intent) => intent.id), newestFirst(() => true));
      assert.equal(all.hasMore, false);
      assert.deepEqual(await allPages({}, 2), newestFirst(() => true));
      assert.deepEqual(await allPages({ status: 'pending' }, 1), newestFirst((intent) => intent.status === 'pending'));
    });

    it('filters by status (the approval queue), card, agent and user, alone and together', async () => {
      const queue = await list('?status=pending_approval');
      assert.deepEqual(queue.data.map((intent) => intent.id), newestFirst((intent) => intent.status === 'pending_approval'));
      assert.equal(queue.data.length, 2);
      assert.deepEqual((await list('?status=canceled')).data.map((intent) => intent.id), [made[0]!.id]);
      assert.deepEqual((await list(`?cardId=${first.cardId}`)).data.map((intent) => intent.id), newestFirst((intent) => intent.cardId === first.cardId));
      assert.deepEqual((await list(`?agentId=${first.agentId}`)).data.map((intent) => intent.id), newestFirst((intent) => intent.agentId === first.agentId));
      assert.deepEqual((await list(`?userId=${second.userId}`)).data.map((intent) => intent.id), newestFirst((intent) => intent.userId === second.userId));
      assert.deepEqual(
        (await list(`?agentId=${first.agentId}&status=pending`)).data.map((intent) => intent.id),
        newestFirst((intent) => intent.agentId === first.agentId && intent.status === 'pending'),
      );
      assert.deepEqual((await list(`?cardId=${second.cardId}&agentId=${first.agentId}`)).data, []);
      assert.deepEqual((await list('?cardId=card_01aaaaaaaaaaaaaaaaaaaaaaaa')).data, []);
    });

    it('answers API keys only, and nothing of another organization or environment', async () => {
      const refused = await testApp.request('GET', '/v1/intents', { key: first.token });
      assertError(refused, { status: 403, type: 'authorization_error', code: 'insufficient_permissions' });
      assert.deepEqual((await list('', testApp.liveKey)).data, []);
      const other = await initializeOrganization(testApp.store.db, 'Other organization', testApp.clock.nowMs());
      assert.deepEqual((await list('', other.sandboxKey)).data, []);
      assert.deepEqual((await list(`?cardId=${first.cardId}`, other.sandboxKey)).data, []);
      assertError(await testApp.request('GET', '/v1/intents?status=waiting'), { status: 422, type: 'validation_error', code: 'invalid_parameter_value', param: 'status' });
      assertError(await testApp.request('GET', '/v1/intents?agent=x'), { status: 422, type: 'validation_error', code: 'unknown_parameter', param: 'agent' });
      assertError(await testApp.request('GET', '/v1/intents?limit=101'), { status: 422, type: 'validation_error', code: 'invalid_parameter_value', param: 'limit' });
    });

    it('counts an expiry that is due: past their hour, pending intents list as expired and approvals nobody gave as rejected', async () => {
      const advanced = await testApp.request('POST', '/v1/sandbox/clock/advance', { body: { seconds: 2 * 3600 } });
      assert.equal(advanced.statusCode, 200, advanced.body);
      assert.deepEqual((await list('?status=pending')).data, []);
      const expired = await list('?status=expired');
      assert.deepEqual(expired.data.map((intent) => intent.id), newestFirst((intent) => intent.status === 'pending'));
      for (const intent of expired.data) assert.equal(intent.status, 'expired');
      // Approvals wait an hour (approvalTimeoutMinutes): nobody approved them, so they are rejected (approval_expired).
      assert.deepEqual((await list('?status=pending_approval')).data, []);
      const rejected = await list('?status=rejected');
      assert.equal(rejected.data.length, 2);
      for (const intent of rejected.data) assert.deepEqual([intent.status, intent.decisionReason], ['rejected', 'approval_expired']);
    });
  });
}
