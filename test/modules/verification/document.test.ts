// LedgerOS's KYC pieces (SPEC §11 "Users, KYC, funds"): `PUT /v1/verification/user/{id}/document`, a multipart upload
// that sends an application in documentRequired back to the KYC provider (the sandbox one decides from the file name),
// keeps a record of the document (type, size, SHA-256; never the file or its name) and is refused in any other status;
// and `verificationUrl` in `GET /v1/verification/user/{id}` while the newest link can be used.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { assertError, encodeForm, useTestApp, type TestResponse } from '../../helpers/app.js';
import { storeKinds } from '../../helpers/stores.js';

const identity = { firstName: 'John', dateOfBirth: '1990-04-23', addressLine1: '1 Main Street', city: 'Springfield', postalCode: '12345', country: 'US' };
const notRequested = { status: 409, type: 'conflict_error', code: 'document_not_requested' };
/** Bytes that must appear nowhere but in the request: not in a row, an event or a log line. */
const marker = 'CARDRAIL-DOCUMENT-BYTES-7f3a9c';
const tenMebibytes = 10 * 1024 * 1024;

function documentForm(fileName: string, options: { documentType?: string; type?: string; content?: string | Uint8Array<ArrayBuffer>; extra?: Record<string, string> } = {}): FormData {
  const form = new FormData();
  form.set('documentType', options.documentType ?? 'passport');
  form.set('file', new Blob([options.content ?? `%PDF-1.7 ${marker}`], { type: options.type ?? 'application/pdf' }), fileName);
  for (const [name, value] of Object.entries(options.extra ?? {})) form.set(name, value);
  return form;
}

for (const kind of storeKinds) {
  describe(`KYC document upload and verificationUrl (${kind})`, () => {
    const testApp = useTestApp({ store: kind });

    async function createUser(lastName = 'Document'): Promise<string> {
      const response = await testApp.request('POST', '/v1/users', { body: { firstName: 'John', lastName, email: 'john@example.com' } });
      assert.equal(response.statusCode, 200, response.body);
      return response.json.id;
    }

    /** A user the provider asked for a document: the person submitted the hosted form with the last name Document. */
    async function userAwaitingDocument(): Promise<string> {
      const userId = await createUser();
      const link = await testApp.request('POST', '/v1/verification/user', { body: { userId } });
      assert.equal(link.statusCode, 200, link.body);
      const submitted = await testApp.request('POST', new URL(link.json.verificationUrl).pathname, {
        key: null,
        rawBody: new URLSearchParams({ ...identity, lastName: 'Document' }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(submitted.statusCode, 200, submitted.body);
      assert.equal((await status(userId)).applicationStatus, 'documentRequired');
      return userId;
    }

    async function status(userId: string) {
      const response = await testApp.request('GET', `/v1/verification/user/${userId}`);
      assert.equal(response.statusCode, 200, response.body);
      return response.json;
    }

    function upload(userId: string, form: FormData, options: { key?: string; headers?: Record<string, string> } = {}): Promise<TestResponse> {
      return testApp.request('PUT', `/v1/verification/user/${userId}/document`, { form, ...options });
    }

    async function userEventTypes(userId: string, afterId = ''): Promise<string[]> {
      const rows = await testApp.store.db.all<{ type: string }>("SELECT type FROM events WHERE type LIKE 'user.%' AND data LIKE ? AND id > ? ORDER BY id", [`%"${userId}"%`, afterId]);
      return rows.map((row) => row.type);
    }

    async function lastEventId(): Promise<string> {
      const row = await testApp.store.db.get<{ id: string }>('SELECT MAX(id) AS id FROM events');
      return row?.id ?? '';
    }

    it('a document sends a documentRequired application back to the provider, which approves it; only a record of the file is kept', async () => {
      const userId = await userAwaitingDocument();
      const since = await lastEventId();
      const content = `%PDF-1.7 passport scan ${marker}`;
      const response = await upload(userId, documentForm('John Doe passport.pdf', { content }));
      assert.equal(response.statusCode, 200, response.body);
      const answer = response.json;
      assert.equal(answer.object, 'verification');
      assert.equal(answer.applicationStatus, 'approved');
      assert.equal(answer.verificationUrl, null);
      assert.deepEqual({ ...answer.document, id: undefined, uploadedAt: undefined }, {
        object: 'verification_document',
        id: undefined,
        documentType: 'passport',
        contentType: 'application/pdf',
        sizeBytes: Buffer.byteLength(content),
        sha256: createHash('sha256').update(content).digest('hex'),
        outcome: 'approved',
        uploadedAt: undefined,
      });
      assert.match(answer.document.id, /^doc_[0-9a-z]{26}$/);
      assert.equal(answer.document.uploadedAt, new Date(testApp.clock.nowMs()).toISOString());
      // Back to pending, then the provider's decision: the events of the hosted form's flow.
      assert.deepEqual(await userEventTypes(userId, since), ['user.verification_updated', 'user.verification_updated', 'user.approved']);
      assert.equal((await status(userId)).applicationStatus, 'approved');

      const row = await testApp.store.db.get<Record<string, unknown>>('SELECT * FROM verification_documents WHERE id = ?', [answer.document.id]);
      assert.ok(row);
      assert.equal(row.user_id, userId);
      assert.equal(row.sha256, answer.document.sha256);
      assert.equal(Number(row.size_bytes), Buffer.byteLength(content));
      // Neither the bytes nor the file name (it may name the person) are stored or logged.
      for (const table of ['verification_documents', 'events', 'users', 'idempotency_keys']) {
        for (const stored of await testApp.store.db.all<Record<string, unknown>>(`SELECT * FROM ${table}`)) {
          const text = JSON.stringify(stored);
          assert.equal(text.includes(marker), false, `${table} holds the file's bytes`);
          assert.equal(text.includes('John Doe passport'), false, `${table} holds the file name`);
        }
      }
      assert.equal(testApp.logs.some((line) => line.includes(marker) || line.includes('John Doe passport')), false, 'a log line holds the file or its name');

      // Approved now: another upload is refused.
      assertError(await upload(userId, documentForm('passport.pdf')), notRequested);
    });

    it('the sandbox provider decides from the file name: reject, review, document, else approved', async () => {
      const outcomes: Array<[string, string, string, string | null]> = [
        ['reject.pdf', 'application/pdf', 'rejected', 'document could not be verified'],
        ['Review.PNG', 'image/png', 'manualReview', null],
        ['document.jpg', 'image/jpeg', 'documentRequired', null],
        ['utility-bill.webp', 'image/webp', 'approved', null],
      ];
      for (const [fileName, type, applicationStatus, rejectionReason] of outcomes) {
        const userId = await userAwaitingDocument();
        const documentType = fileName.startsWith('utility') ? 'proofOfAddress' : 'driversLicense';
        const response = await upload(userId, documentForm(fileName, { type, documentType }));
        assert.equal(response.statusCode, 200, response.body);
        assert.deepEqual(
          [response.json.applicationStatus, response.json.rejectionReason, response.json.document.outcome, response.json.document.documentType],
          [applicationStatus, rejectionReason, applicationStatus, documentType],
          fileName,
        );
      }
      // A document asked for again takes another upload.
      const userId = await userAwaitingDocument();
      assert.equal((await upload(userId, documentForm('document.pdf'))).json.applicationStatus, 'documentRequired');
      assert.equal((await upload(userId, documentForm('nationalId.pdf', { documentType: 'nationalId' }))).json.applicationStatus, 'approved');
    });

    it('refused in any other status with 409 document_not_requested, changing nothing', async () => {
      const fresh = await createUser('Smith');
      assertError(await upload(fresh, documentForm('passport.pdf')), notRequested);
      for (const outcome of ['pending', 'manualReview', 'rejected', 'approved']) {
        const userId = await createUser('Smith');
        const set = await testApp.request('POST', `/v1/sandbox/users/${userId}/verification`, { body: { outcome } });
        assert.equal(set.statusCode, 200, set.body);
        const since = await lastEventId();
        const refused = await upload(userId, documentForm('passport.pdf'));
        assertError(refused, notRequested);
        assert.match(refused.json.error.message, new RegExp(`is ${outcome}`));
        assert.equal((await status(userId)).applicationStatus, outcome);
        assert.deepEqual(await userEventTypes(userId, since), []);
      }
      assertError(await upload('user_00000000000000000000000000', documentForm('passport.pdf')), { status: 404, type: 'not_found_error', code: 'resource_not_found' });
      const count = await testApp.store.db.get<{ count: number | string }>('SELECT COUNT(*) AS count FROM verification_documents WHERE user_id = ?', [fresh]);
      assert.equal(Number(count?.count), 0);
    });

    it('bad uploads: JSON (415), missing or unknown fields, a text field for the file, empty or unsupported files, over 10 MiB (413), broken multipart', async () => {
      const userId = await userAwaitingDocument();
      const put = (options: { body?: unknown; rawBody?: string | Buffer; headers?: Record<string, string>; form?: FormData }) =>
        testApp.server
          .inject({
            method: 'PUT',
            url: `/v1/verification/user/${userId}/document`,
            headers: { 'api-key': testApp.sandboxKey, ...options.headers },
            ...(options.rawBody === undefined ? {} : { payload: options.rawBody }),
          })
          .then((response) => ({ statusCode: response.statusCode, headers: response.headers, body: response.body, json: JSON.parse(response.body) }));

      assertError(await testApp.request('PUT', `/v1/verification/user/${userId}/document`, { body: { documentType: 'passport', file: 'aGVsbG8=' } }), {
        status: 415,
        type: 'invalid_request_error',
        code: 'unsupported_media_type',
      });
      const noFile = new FormData();
      noFile.set('documentType', 'passport');
      assertError(await upload(userId, noFile), { status: 400, type: 'invalid_request_error', code: 'missing_parameter', param: 'file' });
      const textFile = new FormData();
      textFile.set('documentType', 'passport');
      textFile.set('file', 'not a file');
      assertError(await upload(userId, textFile), { status: 422, type: 'validation_error', code: 'invalid_parameter_value', param: 'file' });
      assertError(await upload(userId, documentForm('passport.pdf', { documentType: 'selfie' })), { status: 422, type: 'validation_error', code: 'invalid_parameter_value', param: 'documentType' });
      assertError(await upload(userId, documentForm('passport.pdf', { extra: { documentTpye: 'passport' } })), { status: 422, type: 'validation_error', code: 'unknown_parameter', param: 'documentTpye' });
      assertError(await upload(userId, documentForm('passport.pdf', { content: '' })), { status: 422, type: 'validation_error', code: 'invalid_parameter_value', param: 'file' });
      assertError(await upload(userId, documentForm('passport.txt', { type: 'text/plain' })), { status: 422, type: 'validation_error', code: 'invalid_parameter_value', param: 'file' });
      assertError(await upload(userId, documentForm('pass\u0007port.pdf')), { status: 422, type: 'validation_error', code: 'invalid_parameter_value' });

      const tooLarge = await upload(userId, documentForm('passport.pdf', { content: new Uint8Array(tenMebibytes) }));
      assertError(tooLarge, { status: 413, type: 'invalid_request_error', code: 'payload_too_large' });
      assert.match(tooLarge.json.error.message, new RegExp(String(tenMebibytes)));

      const encoded = await encodeForm(documentForm('passport.pdf'));
      assertError(await put({ rawBody: encoded.body, headers: { 'content-type': 'multipart/form-data; boundary=not-the-one-used' } }), {
        status: 400,
        type: 'invalid_request_error',
        code: 'invalid_form_data',
      });
      assertError(await put({ rawBody: encoded.body, headers: { 'content-type': 'multipart/form-data' } }), { status: 400, type: 'invalid_request_error', code: 'invalid_form_data' });
      // Nothing happened: still waiting for its document, which is accepted now.
      assert.equal((await status(userId)).applicationStatus, 'documentRequired');
      const accepted = await put({ rawBody: encoded.body, headers: { 'content-type': encoded.contentType } });
      assert.equal(accepted.statusCode, 200, accepted.body);
      // Agent tokens may not upload (API keys only).
      const agentRoute = await testApp.request('PUT', `/v1/verification/user/${userId}/document`, { key: 'at_dev_not_a_token', form: documentForm('passport.pdf') });
      assert.equal(agentRoute.statusCode, 401);
    });

    it('Idempotency-Key replays the same upload; another file under the same key is 422 idempotency_key_reused', async () => {
      const userId = await userAwaitingDocument();
      const headers = { 'idempotency-key': `document-${userId}` };
      const first = await upload(userId, documentForm('passport.pdf'), { headers });
      assert.equal(first.statusCode, 200, first.body);
      const replay = await upload(userId, documentForm('passport.pdf'), { headers });
      assert.equal(replay.statusCode, 200, replay.body);
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      assert.deepEqual(replay.json, first.json);
      assertError(await upload(userId, documentForm('passport.pdf', { content: '%PDF-1.7 another scan' }), { headers }), {
        status: 422,
        type: 'idempotency_error',
        code: 'idempotency_key_reused',
      });
    });

    it('GET /v1/verification/user/{id} shows verificationUrl while the newest link can be used', async () => {
      const userId = await createUser('Smith');
      assert.equal((await status(userId)).verificationUrl, null, 'no link yet');
      const link = await testApp.request('POST', '/v1/verification/user', { body: { userId } });
      assert.equal(link.statusCode, 200, link.body);
      assert.equal((await status(userId)).verificationUrl, link.json.verificationUrl);

      // A fresh link replaces it; the old one stops working.
      const fresh = await testApp.request('GET', `/v1/verification/user/${userId}/link`);
      assert.notEqual(fresh.json.verificationUrl, link.json.verificationUrl);
      assert.equal((await status(userId)).verificationUrl, fresh.json.verificationUrl);
      assert.equal((await testApp.server.inject({ method: 'GET', url: new URL(fresh.json.verificationUrl).pathname })).statusCode, 200);

      // Expired: null (the page says so).
      const advanced = await testApp.request('POST', '/v1/sandbox/clock/advance', { body: { seconds: 7 * 24 * 3600 } });
      assert.equal(advanced.statusCode, 200, advanced.body);
      assert.equal((await status(userId)).verificationUrl, null);

      // Used: null.
      const again = await testApp.request('GET', `/v1/verification/user/${userId}/link`);
      const submitted = await testApp.request('POST', new URL(again.json.verificationUrl).pathname, {
        key: null,
        rawBody: new URLSearchParams({ ...identity, lastName: 'Smith' }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(submitted.statusCode, 200, submitted.body);
      const decided = await status(userId);
      assert.equal(decided.applicationStatus, 'approved');
      assert.equal(decided.verificationUrl, null);
    });
  });
}
