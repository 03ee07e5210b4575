// docs/sdk.md: "A misspelt field or a wrong type is a compile error." The lines marked @ts-expect-error must fail to
// type-check (`tsc --noEmit` in CI fails on an unused @ts-expect-error), and the server refuses the same requests at
// run time with 422 unknown_parameter: the SDK and the API agree on what a request may hold.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCardrailClient, expectData, type CardrailClient } from '../../src/sdk/index.js';
import { useTestApp } from '../helpers/app.js';
import { injectFetch } from '../helpers/inject-fetch.js';
import { fundedCardholder } from '../network/arrange.js';


async function misspelt(client: CardrailClient, agentId: string, cardId: string) {
  return [
    // @ts-expect-error a misspelt optional field of a body
    await client.POST('/v1/agents/{id}/cards', { params: { path: { id: agentId } }, body: { purpose: 'x', maxAmount: 100, limts: { perDay: 50 } } }),
    // @ts-expect-error a misspelt field of a nested object
    await client.POST('/v1/agents/{id}/cards', { params: { path: { id: agentId } }, body: { purpose: 'x', maxAmount: 100, limits: { perDya: 50 } } }),
    // @ts-expect-error a field PATCH does not define
    await client.PATCH('/v1/cards/{id}', { params: { path: { id: cardId } }, body: { limit: { perDay: 10 } } }),
    // @ts-expect-error a misspelt query parameter
    await client.GET('/v1/cards', { params: { query: { stauts: 'active' } } }),
  ];
}

describe('SDK request types are exact', () => {
  const testApp = useTestApp();

  it('what fails to compile is also refused by the server with 422 unknown_parameter', async () => {
    const client = createCardrailClient({ baseUrl: 'http://cardrail.test', credential: testApp.sandboxKey, fetch: injectFetch(testApp) });
    const holder = await fundedCardholder(testApp, 10_000);
    const card = expectData(await client.POST('/v1/agents/{id}/cards', { params: { path: { id: holder.agentId } }, body: { purpose: 'shoes', maxAmount: 100 } }));
    const results = await misspelt(client, holder.agentId, card.id);
    for (const result of results) {
      assert.equal(result.response.status, 422);
      assert.equal((result.error as { error: { code: string } }).error.code, 'unknown_parameter');
    }
  });
});
