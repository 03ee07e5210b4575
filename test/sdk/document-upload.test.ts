// docs/sdk.md, "File uploads": the SDK types the KYC document upload's file as a Blob, and a bodySerializer that builds
// a FormData sends it as multipart/form-data (openapi-fetch leaves the Content-Type and its boundary to fetch).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createCardrailClient, expectData } from '../../src/sdk/index.js';
import { useTestApp } from '../helpers/app.js';
import { injectFetch } from '../helpers/inject-fetch.js';

describe('SDK: uploading a KYC document', () => {
  const testApp = useTestApp();

  it('PUT /v1/verification/user/{userId}/document with a File in a FormData', async () => {
    const client = createCardrailClient({ baseUrl: 'http://cardrail.test', credential: testApp.sandboxKey, fetch: injectFetch(testApp) });
    const user = expectData(await client.POST('/v1/users', { body: { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' } }));
    expectData(await client.POST('/v1/sandbox/users/{id}/verification', { params: { path: { id: user.id } }, body: { outcome: 'documentRequired' } }));
    const bytes = new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x2d, 0xff, 0x00, 0x80]);
    const answer = expectData(
      await client.PUT('/v1/verification/user/{userId}/document', {
        params: { path: { userId: user.id } },
        body: { documentType: 'passport', file: new File([bytes], 'passport.pdf', { type: 'application/pdf' }) },
        bodySerializer(body) {
          const form = new FormData();
          form.set('documentType', body.documentType);
          form.set('file', body.file);
          return form;
        },
      }),
    );
    assert.equal(answer.applicationStatus, 'approved');
    assert.equal(answer.document.sizeBytes, bytes.byteLength, 'the binary bytes arrived unchanged');
    assert.equal(answer.document.contentType, 'application/pdf');
  });
});
