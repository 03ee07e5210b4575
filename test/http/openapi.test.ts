import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { routeAccess } from '../../src/http/access.js';
import { allRoutes } from '../../src/http/all-routes.js';
import { startTestApp, useTestApp } from '../helpers/app.js';

describe('OpenAPI document', () => {
  const testApp = useTestApp();

  it('is served at /openapi.json and passes an OpenAPI 3.1 validator', async () => {
    const response = await testApp.request('GET', '/openapi.json', { key: null });
    assert.equal(response.statusCode, 200);
    assert.equal(response.json.openapi, '3.1.0');
    const validator = new Validator();
    const result = await validator.validate(response.json);
    assert.deepEqual(result.errors ?? [], []);
    assert.equal(result.valid, true);
    assert.equal(validator.version, '3.1');
  });

  it('documents every route with the schemas that validate it, and every route has an access rule', async () => {
    const document = (await testApp.request('GET', '/openapi.json', { key: null })).json;
    const documented = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const defined = allRoutes.map((route) => `${route.method} ${route.url}`);
    assert.deepEqual([...documented].sort(), [...defined].sort());
    // An issuer-processor's signed callbacks are served but are not the integrator's API: not in the document.
    const signed = Object.entries(routeAccess).flatMap(([key, access]) => (access !== 'public' && 'signedBy' in access ? [key] : []));
    assert.deepEqual(Object.keys(routeAccess).filter((key) => !signed.includes(key)).sort(), [...defined].sort(), 'src/http/access.ts lists exactly the defined routes');
    assert.ok(signed.length > 0);
    for (const key of signed) {
      const [method, url] = key.split(' ') as ['POST', string];
      assert.ok(testApp.server.hasRoute({ method, url }), `${key} is served`);
    }

    const create = document.paths['/v1/api-keys'].post;
    const bodySchema = create.requestBody.content['application/json'].schema;
    assert.equal(bodySchema.properties.name.maxLength, 100);
    assert.ok(create.parameters.some((parameter: { $ref?: string }) => parameter.$ref === '#/components/parameters/IdempotencyKey'));
    const errorCodes = document.components.schemas.Error.properties.error.properties.code.enum as string[];
    assert.ok(errorCodes.includes('missing_api_key'));
  });

  it('renders a human reference at /docs from local assets', async () => {
    const page = await testApp.request('GET', '/docs', { key: null });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /text\/html/);
    assert.match(page.body, /swagger-ui-bundle\.js/);
    const bundle = await testApp.request('GET', '/docs/static/swagger-ui-bundle.js', { key: null });
    assert.equal(bundle.statusCode, 200);
    assert.ok(bundle.body.length > 100_000);
    const missing = await testApp.request('GET', '/docs/static/../../package.json', { key: null });
    assert.equal(missing.statusCode, 404);
  });
});

describe('health endpoints', () => {
  const testApp = useTestApp();

  it('/health, /ready and /metrics answer without credentials', async () => {
    assert.equal((await testApp.request('GET', '/health', { key: null })).json.status, 'ok');
    const ready = await testApp.request('GET', '/ready', { key: null });
    assert.equal(ready.statusCode, 200);
    assert.equal(ready.json.status, 'ready');
    await testApp.request('GET', '/v1/api-keys');
    const metrics = await testApp.request('GET', '/metrics', { key: null });
    assert.equal(metrics.statusCode, 200);
    assert.match(metrics.body, /cardrail_http_request_duration_seconds_count\{method="GET",route="\/v1\/api-keys",status_code="200"\} 1/);
  });

  it('/ready answers 503 service_unavailable when the database is gone', async () => {
    const other = await startTestApp();
    await other.store.db.close();
    const ready = await other.request('GET', '/ready', { key: null });
    assert.equal(ready.statusCode, 503);
    assert.equal(ready.json.error.code, 'service_unavailable');
    await other.app.close();
    await other.store.close();
  });
});
