// The hosted verification page (SPEC §4, seed 001 step 3, seed 000 "expired" link): the form, its submission as a
// browser sends it, the sandbox provider's test values, invalid input, expiry, used and unknown links, and a real
// browser when Chromium is installed.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, test } from 'node:test';
import { startTestApp, type TestApp, type TestResponse } from '../../helpers/app.js';
import { launchChromium, skipWithoutChromium } from '../../helpers/chromium.js';
import { storeKinds, type StoreKind } from '../../helpers/stores.js';

const form = { 'content-type': 'application/x-www-form-urlencoded' };

const validForm = {
  firstName: 'John',
  lastName: 'Doe',
  dateOfBirth: '1990-04-23',
  addressLine1: '1 Main Street',
  city: 'Springfield',
  postalCode: '12345',
  country: 'us',
};

function encode(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

function assertHtml(response: TestResponse, status: number): void {
  assert.equal(response.statusCode, status, response.body);
  assert.match(String(response.headers['content-type']), /^text\/html; charset=utf-8/);
  assert.equal(response.headers['referrer-policy'], 'no-referrer');
  assert.equal(response.headers['cache-control'], 'no-store');
  assert.match(response.body, /^<!doctype html>/);
}

/** The date `years` years before `nowMs` (UTC), shifted by `days`, as YYYY-MM-DD. */
function birthDate(nowMs: number, years: number, days = 0): string {
  const now = new Date(nowMs);
  const date = new Date(Date.UTC(now.getUTCFullYear() - years, now.getUTCMonth(), now.getUTCDate() + days));
  return date.toISOString().slice(0, 10);
}

describe('hosted verification page', () => {
  const opened: TestApp[] = [];
  async function open(store: StoreKind = 'sqlite'): Promise<TestApp> {
    const testApp = await startTestApp({ store });
    opened.push(testApp);
    return testApp;
  }
  afterEach(async () => {
    for (const testApp of opened.splice(0)) await testApp.close();
  });

  async function createUser(testApp: TestApp, firstName = 'John', lastName = 'Doe'): Promise<string> {
    const response = await testApp.request('POST', '/v1/users', { body: { firstName, lastName, email: 'john@example.com' } });
    assert.equal(response.statusCode, 200, response.body);
    return response.json.id;
  }

  /** The page's path (with its token) from POST /v1/verification/user. */
  async function startVerification(testApp: TestApp, userId: string): Promise<string> {
    const response = await testApp.request('POST', '/v1/verification/user', { body: { userId } });
    assert.equal(response.statusCode, 200, response.body);
    return new URL(response.json.verificationUrl).pathname;
  }

  async function submit(testApp: TestApp, path: string, fields: Record<string, string>): Promise<TestResponse> {
    return testApp.request('POST', path, { key: null, rawBody: encode(fields), headers: form });
  }

  async function userOf(testApp: TestApp, userId: string) {
    return (await testApp.request('GET', `/v1/users/${userId}`)).json;
  }

  async function userEventTypes(testApp: TestApp): Promise<string[]> {
    const rows = await testApp.store.db.all<{ type: string }>("SELECT type FROM events WHERE type LIKE 'user.%' ORDER BY id");
    return rows.map((row) => row.type);
  }

  for (const store of storeKinds) {
    test(`seed flow on ${store}: create user, start verification, open the page, submit the form, user approved`, async () => {
      const testApp = await open(store);
      const userId = await createUser(testApp);
      const path = await startVerification(testApp, userId);
      assert.match(path, /^\/verify\/[A-Za-z0-9_-]{43}$/);

      const page = await testApp.request('GET', path, { key: null });
      assertHtml(page, 200);
      assert.match(page.body, /<html lang="en">/);
      assert.ok(page.body.includes(`<form method="post" action="${path}"`), 'the form posts back to its own URL, token included');
      for (const [field, label] of [
        ['firstName', 'First name'],
        ['lastName', 'Last name'],
        ['dateOfBirth', 'Date of birth'],
        ['addressLine1', 'Address'],
        ['city', 'City'],
        ['postalCode', 'Postal code'],
        ['country', 'Country'],
      ] as const) {
        assert.match(page.body, new RegExp(`<input id="${field}" name="${field}" `), `input ${field}`);
        assert.match(page.body, new RegExp(`<label for="${field}">${label}`), `label for ${field}`);
      }
      assert.match(page.body, /<button type="submit">/);
      assert.match(page.body, /name="firstName" type="text" value="John"/, 'prefilled from the user');
      assert.match(page.body, /name="lastName" type="text" value="Doe"/);
      assert.ok(!/<script|<link|src=/i.test(page.body), 'no scripts or external assets');

      const result = await submit(testApp, path, validForm);
      assertHtml(result, 200);
      assert.match(result.body, /You are verified/);

      const user = await userOf(testApp, userId);
      assert.equal(user.applicationStatus, 'approved');
      assert.equal(user.rejectionReason, null);
      assert.equal(user.dateOfBirth, '1990-04-23');
      assert.deepEqual(user.address, { line1: '1 Main Street', city: 'Springfield', postalCode: '12345', country: 'US' });
      assert.deepEqual(await userEventTypes(testApp), ['user.created', 'user.verification_updated', 'user.verification_updated', 'user.approved']);
      const statuses = await testApp.store.db.all<{ data: string }>("SELECT data FROM events WHERE type = 'user.verification_updated' ORDER BY id");
      assert.deepEqual(
        statuses.map((row) => JSON.parse(row.data).object.applicationStatus),
        ['pending', 'approved'],
      );

      const status = await testApp.request('GET', `/v1/verification/user/${userId}`);
      assert.equal(status.json.applicationStatus, 'approved');
      assert.equal(status.json.submittedAt, new Date(testApp.clock.nowMs()).toISOString());

      const reopened = await testApp.request('GET', path, { key: null });
      assertHtml(reopened, 409);
      assert.match(reopened.body, /already been used/);
      const resubmitted = await submit(testApp, path, { ...validForm, firstName: 'Mallory' });
      assertHtml(resubmitted, 409);
      assert.equal((await userOf(testApp, userId)).firstName, 'John');
      assert.equal((await userEventTypes(testApp)).length, 4, 'a used link changes nothing');

      const locked = await testApp.request('PATCH', `/v1/users/${userId}`, { body: { lastName: 'Roe' } });
      assert.equal(locked.statusCode, 409);
      assert.equal(locked.json.error.code, 'compliance_locked');
      assert.ok(!testApp.logs.join('\n').includes(path.slice('/verify/'.length)), 'the token never reaches the logs');
    });
  }

  test('the sandbox provider decides by last name: Reject, Review, Document (any case), else approved', async () => {
    const testApp = await open();
    const cases = [
      { lastName: 'Reject', status: 'rejected', reason: 'identity could not be verified', page: /could not verify your identity/, event: 'user.rejected' },
      { lastName: 'reject', status: 'rejected', reason: 'identity could not be verified', page: /Reason: identity could not be verified/, event: 'user.rejected' },
      { lastName: 'REVIEW', status: 'manualReview', reason: null, page: /being reviewed/, event: undefined },
      { lastName: 'Document', status: 'documentRequired', reason: null, page: /need a document/i, event: undefined },
      { lastName: 'Rejected', status: 'approved', reason: null, page: /You are verified/, event: 'user.approved' },
    ];
    for (const expected of cases) {
      const userId = await createUser(testApp, 'Jane', 'Smith');
      const path = await startVerification(testApp, userId);
      const before = (await userEventTypes(testApp)).length;
      const result = await submit(testApp, path, { ...validForm, firstName: 'Jane', lastName: expected.lastName });
      assertHtml(result, 200);
      assert.match(result.body, expected.page, expected.lastName);
      const user = await userOf(testApp, userId);
      assert.equal(user.applicationStatus, expected.status, expected.lastName);
      assert.equal(user.rejectionReason, expected.reason);
      assert.equal(user.lastName, expected.lastName, 'the name entered on the form is written to the user');
      const events = (await userEventTypes(testApp)).slice(before);
      assert.deepEqual(events, ['user.verification_updated', 'user.verification_updated', ...(expected.event === undefined ? [] : [expected.event])], expected.lastName);
    }
  });

  test('documentRequired and rejected may retry with a new link; manualReview may not', async () => {
    const testApp = await open();
    const userId = await createUser(testApp);
    await submit(testApp, await startVerification(testApp, userId), { ...validForm, lastName: 'Document' });
    const retryPath = await startVerification(testApp, userId);
    const retryPage = await testApp.request('GET', retryPath, { key: null });
    assertHtml(retryPage, 200);
    assert.match(retryPage.body, /name="dateOfBirth" type="date" value="1990-04-23"/, 'prefilled with what was entered before');
    await submit(testApp, retryPath, { ...validForm, lastName: 'Reject' });
    assert.equal((await userOf(testApp, userId)).applicationStatus, 'rejected');

    await submit(testApp, await startVerification(testApp, userId), { ...validForm, lastName: 'Review' });
    assert.equal((await userOf(testApp, userId)).applicationStatus, 'manualReview');
    const again = await testApp.request('POST', '/v1/verification/user', { body: { userId } });
    assert.equal(again.statusCode, 409);
    assert.equal(again.json.error.code, 'verification_in_progress');
  });

  test('invalid input re-renders the form with inline messages, status 422 and no change', async () => {
    const testApp = await open();
    const userId = await createUser(testApp);
    const path = await startVerification(testApp, userId);
    const nowMs = testApp.clock.nowMs();

    const empty = await submit(testApp, path, {});
    assertHtml(empty, 422);
    assert.match(empty.body, /role="alert"/);
    assert.equal(empty.body.match(/This field is required/g)?.length, 2 * 7, 'each field: in the summary and inline');
    assert.match(empty.body, /<input id="city" [^>]*aria-describedby="city-error" aria-invalid="true">/);

    const invalid: Array<[Record<string, string>, string, RegExp]> = [
      [{ dateOfBirth: '23/04/1990' }, 'dateOfBirth', /Enter the date as YYYY-MM-DD/],
      [{ dateOfBirth: '1990-02-30' }, 'dateOfBirth', /Enter a real date/],
      [{ dateOfBirth: birthDate(nowMs, 18, 1) }, 'dateOfBirth', /at least 18 years old/],
      [{ country: 'USA' }, 'country', /two-letter country code/],
      [{ country: 'u1' }, 'country', /two-letter country code/],
      [{ lastName: '   ' }, 'lastName', /This field is required/],
      [{ postalCode: '1'.repeat(21) }, 'postalCode', /at most 20 characters/],
    ];
    for (const [override, field, message] of invalid) {
      const response = await submit(testApp, path, { ...validForm, ...override });
      assertHtml(response, 422);
      assert.match(response.body, new RegExp(`<p class="error" id="${field}-error">[^<]*${message.source}`), `${JSON.stringify(override)}: ${response.body}`);
      assert.match(response.body, new RegExp(`name="${field}" type="(?:text|date)" value="${Object.values(override)[0] ?? ''}"`), 'the entered value is kept');
      assert.equal(response.body.match(/class="error"/g)?.length, 1, 'only the invalid field is flagged');
    }

    const user = await userOf(testApp, userId);
    assert.equal(user.applicationStatus, 'notStarted');
    assert.equal(user.dateOfBirth, null);
    assert.equal(user.address, null);
    assert.deepEqual(await userEventTypes(testApp), ['user.created']);
    assert.equal((await testApp.request('GET', `/v1/verification/user/${userId}`)).json.submittedAt, null);

    const exactly18 = await submit(testApp, path, { ...validForm, dateOfBirth: birthDate(nowMs, 18) });
    assertHtml(exactly18, 200);
    assert.equal((await userOf(testApp, userId)).applicationStatus, 'approved');
  });

  test('form values are HTML-escaped', async () => {
    const testApp = await open();
    const userId = await createUser(testApp, '<script>alert(1)</script>', 'O"Brien');
    const path = await startVerification(testApp, userId);
    const page = await testApp.request('GET', path, { key: null });
    assertHtml(page, 200);
    assert.ok(!page.body.includes('<script>'), page.body);
    assert.match(page.body, /value="&lt;script&gt;alert\(1\)&lt;\/script&gt;"/);
    assert.match(page.body, /value="O&quot;Brien"/);
  });

  test('the 18+ check uses environment time (the sandbox clock), not the wall clock', async () => {
    const testApp = await open();
    const userId = await createUser(testApp);
    const path = await startVerification(testApp, userId);
    const eighteenTomorrow = birthDate(testApp.clock.nowMs(), 18, 1);
    const refused = await submit(testApp, path, { ...validForm, dateOfBirth: eighteenTomorrow });
    assertHtml(refused, 422);
    assert.match(refused.body, /at least 18 years old/);
    const advanced = await testApp.request('POST', '/v1/sandbox/clock/advance', { body: { seconds: 2 * 24 * 3600 } });
    assert.equal(advanced.statusCode, 200);
    assertHtml(await submit(testApp, path, { ...validForm, dateOfBirth: eighteenTomorrow }), 200);
    assert.equal((await userOf(testApp, userId)).applicationStatus, 'approved');
  });

  test('a link expires after 7 days of sandbox time: 410 page, and …/link gives a fresh working URL', async () => {
    const testApp = await open();
    const userId = await createUser(testApp);
    const path = await startVerification(testApp, userId);
    const advance = async (seconds: number) => assert.equal((await testApp.request('POST', '/v1/sandbox/clock/advance', { body: { seconds } })).statusCode, 200);

    await advance(7 * 24 * 3600 - 1);
    assertHtml(await testApp.request('GET', path, { key: null }), 200);
    await advance(2);
    const expired = await testApp.request('GET', path, { key: null });
    assertHtml(expired, 410);
    assert.match(expired.body, /This link has expired/);
    assert.match(expired.body, /Ask whoever sent it to you for a new link/);
    const lateSubmit = await submit(testApp, path, validForm);
    assertHtml(lateSubmit, 410);
    assert.equal((await userOf(testApp, userId)).applicationStatus, 'notStarted');

    const fresh = await testApp.request('GET', `/v1/verification/user/${userId}/link`);
    assert.equal(fresh.statusCode, 200, fresh.body);
    const freshPath = new URL(fresh.json.verificationUrl).pathname;
    assert.notEqual(freshPath, path);
    assertHtml(await testApp.request('GET', freshPath, { key: null }), 200);
    assertHtml(await submit(testApp, freshPath, validForm), 200);
    assert.equal((await userOf(testApp, userId)).applicationStatus, 'approved');
  });

  test('an unknown token is an HTML 404; a link of a user decided meanwhile says so with 409', async () => {
    const testApp = await open();
    const unknown = await testApp.request('GET', `/verify/${'A'.repeat(43)}`, { key: null });
    assertHtml(unknown, 404);
    assert.match(unknown.body, /Link not found/);
    assertHtml(await submit(testApp, `/verify/${'A'.repeat(43)}`, validForm), 404);

    const userId = await createUser(testApp);
    const path = await startVerification(testApp, userId);
    await testApp.request('POST', `/v1/sandbox/users/${userId}/verification`, { body: { outcome: 'manualReview' } });
    const inReview = await testApp.request('GET', path, { key: null });
    assertHtml(inReview, 409);
    assert.match(inReview.body, /in progress/);
    await testApp.request('POST', `/v1/sandbox/users/${userId}/verification`, { body: { outcome: 'approved' } });
    const approved = await submit(testApp, path, { ...validForm, lastName: 'Reject' });
    assertHtml(approved, 409);
    assert.match(approved.body, /already verified/);
    assert.equal((await userOf(testApp, userId)).applicationStatus, 'approved');
  });

  test('in a real browser (headless Chromium): fill the form, submit, see the result; the user is approved', { timeout: 120_000, skip: skipWithoutChromium }, async () => {
    const testApp = await open();
    await testApp.server.listen({ port: 0, host: '127.0.0.1' });
    const origin = `http://127.0.0.1:${(testApp.server.server.address() as AddressInfo).port}`;
    const call = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(origin + path, {
        method,
        headers: { 'Api-Key': testApp.sandboxKey, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return (await response.json()) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    };
    const user = await call('POST', '/v1/users', { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' });
    const verification = await call('POST', '/v1/verification/user', { userId: user.id });
    assert.ok(String(verification.verificationUrl).startsWith(`${origin}/verify/`), verification.verificationUrl);

    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const opened = await page.goto(verification.verificationUrl);
      assert.equal(opened?.status(), 200);
      assert.equal(await page.getByLabel('First name').inputValue(), 'Ada');
      assert.equal(await page.getByLabel('Last name').inputValue(), 'Lovelace');
      await page.getByLabel('Date of birth').fill('1985-12-10');
      await page.getByLabel('Address').fill('12 St James Square');
      await page.getByLabel('City').fill('London');
      await page.getByLabel('Postal code').fill('SW1Y 4JH');
      await page.getByLabel('Country').fill('gb');
      const [submitted] = await Promise.all([
        page.waitForResponse((response) => response.request().method() === 'POST'),
        page.getByRole('button', { name: 'Submit for verification' }).click(),
      ]);
      assert.equal(submitted.status(), 200);
      assert.equal(submitted.request().headers()['content-type'], 'application/x-www-form-urlencoded');
      await page.getByRole('heading', { level: 1, name: 'You are verified' }).waitFor();
      assert.match(await page.locator('main').innerText(), /There is nothing more to do/);
    } finally {
      await browser.close();
    }
    const approved = await call('GET', `/v1/users/${user.id}`);
    assert.equal(approved.applicationStatus, 'approved');
    assert.deepEqual(approved.address, { line1: '12 St James Square', city: 'London', postalCode: 'SW1Y 4JH', country: 'GB' });
    assert.equal(approved.dateOfBirth, '1985-12-10');
  });
});
