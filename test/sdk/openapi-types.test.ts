// The SDK's generated types match the document the server serves (regenerate with `npm run sdk:generate`), and the
// typed client drives the API: data on success, CardrailApiError with the catalogue code on failure.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { CardrailApiError, createCardrailClient, expectData } from '../../src/sdk/index.js';
import { sdkTypesFromDocument } from '../../src/sdk/generate.js';
import { useTestApp } from '../helpers/app.js';
import { injectFetch } from '../helpers/inject-fetch.js';

describe('SDK', () => {
  const testApp = useTestApp();

  it('src/sdk/openapi.ts is what openapi-typescript generates from the served /openapi.json (run `npm run sdk:generate`)', async () => {
    const served = await testApp.request('GET', '/openapi.json', { key: null });
    assert.equal(served.statusCode, 200);
    const committed = readFileSync(new URL('../../src/sdk/openapi.ts', import.meta.url), 'utf8');
    assert.equal(committed, await sdkTypesFromDocument(served.json as object), 'the SDK types drifted from the OpenAPI document: run `npm run sdk:generate`');
  });

  it('the typed client returns data, and API errors as CardrailApiError with code, message and param', async () => {
    const client = createCardrailClient({ baseUrl: 'http://cardrail.test', credential: testApp.sandboxKey, fetch: injectFetch(testApp) });
    const user = expectData(await client.POST('/v1/users', { body: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' } }));
    assert.match(user.id, /^user_/);
    const read = expectData(await client.GET('/v1/users/{id}', { params: { path: { id: user.id } } }));
    assert.equal(read.email, 'ada@example.com');
    const missing = await client.GET('/v1/users/{id}', { params: { path: { id: 'user_00000000000000000000000000' } } });
    assert.throws(
      () => expectData(missing),
      (error: unknown) => error instanceof CardrailApiError && error.status === 404 && error.code === 'resource_not_found' && error.requestId !== undefined,
    );
    const anonymous = createCardrailClient({ baseUrl: 'http://cardrail.test', fetch: injectFetch(testApp) });
    const refused = await anonymous.GET('/v1/users', {});
    assert.throws(
      () => expectData(refused),
      (error: unknown) => error instanceof CardrailApiError && error.status === 401,
    );
  });
});
