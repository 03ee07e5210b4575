import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { AppError, errorCatalogue } from '../../src/domain/errors.js';
import { renderErrorsDocument } from '../../src/domain/errors-doc.js';

const statusOfType: Record<string, number[]> = {
  authentication_error: [401],
  authorization_error: [403],
  invalid_request_error: [400, 408, 413, 414, 415, 431],
  validation_error: [422],
  not_found_error: [404],
  conflict_error: [409],
  idempotency_error: [409, 422],
  rate_limit_error: [429],
  service_error: [500, 502, 503],
};

describe('error catalogue', () => {
  it('docs/errors.md is generated from the catalogue (run `npm run docs:errors` after changing it)', () => {
    assert.equal(readFileSync('docs/errors.md', 'utf8'), renderErrorsDocument());
  });

  it('codes are snake_case and each type uses the HTTP status SPEC §3 gives it', () => {
    for (const [code, definition] of Object.entries(errorCatalogue)) {
      assert.match(code, /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/, code);
      assert.ok(statusOfType[definition.type]?.includes(definition.status), `${code}: ${definition.type} with ${definition.status}`);
      assert.ok(definition.description.length > 10, `${code} has a description`);
    }
  });

  it('fills message templates and keeps unknown placeholders visible', () => {
    const error = new AppError('resource_not_found', { resource: 'api key', id: 'key_1', param: 'id' });
    assert.equal(error.message, 'No such api key: key_1');
    assert.equal(error.status, 404);
    assert.equal(error.type, 'not_found_error');
    assert.equal(error.param, 'id');
  });
});
