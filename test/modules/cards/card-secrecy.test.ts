// SPEC §10: the card number never exists in plaintext outside the vault's caller — not in any database row or the
// SQLite file itself, not in any API response or event, not in the logs — and no CVV is stored at all.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isIssuedPanFormat } from '../../../src/domain/card-numbers.js';
import { decryptPan, deriveCvv } from '../../../src/modules/cards/vault.js';
import { testSecrets } from '../../../src/secrets.js';
import { startTestApp, type TestApp, type TestResponse } from '../../helpers/app.js';
import { storeKinds } from '../../helpers/stores.js';
import { fundedAgent } from './arrange.js';

const secrets = testSecrets();

async function everyRowAsText(testApp: TestApp): Promise<string[]> {
  const db = testApp.store.db;
  const tables =
    db.dialect === 'sqlite'
      ? (await db.all<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table'`)).map((row) => row.name)
      : (await db.all<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`)).map((row) => row.table_name);
  assert.ok(tables.includes('cards') && tables.includes('events') && tables.includes('idempotency_keys'));
  const texts: string[] = [];
  for (const table of tables) {
    for (const row of await db.all<Record<string, unknown>>(`SELECT * FROM ${table}`)) texts.push(`${table}: ${JSON.stringify(row)}`);
  }
  return texts;
}

for (const kind of storeKinds) {
  describe(`card number secrecy (${kind})`, () => {
    let testApp: TestApp;
    before(async () => {
      testApp = await startTestApp({ store: kind });
    });
    after(async () => testApp.close());

    it('keeps the PAN out of every row, the database file, every response and every log line', async () => {
      const responses: TestResponse[] = [];
      const call = async (method: string, url: string, body?: unknown, headers?: Record<string, string>) => {
        const response = await testApp.request(method, url, { ...(body === undefined ? {} : { body }), ...(headers === undefined ? {} : { headers }) });
        responses.push(response);
        return response;
      };
      const { userId, agentId } = await fundedAgent(testApp, 100_000);
      const ids: string[] = [];
      for (let index = 0; index < 6; index += 1) {
        const created = await call('POST', `/v1/agents/${agentId}/cards`, { purpose: `card ${index}`, type: index % 2 === 0 ? 'single' : 'multi', maxAmount: 1_000, expiresInMinutes: 10 }, { 'Idempotency-Key': `secrecy-${index}` });
        assert.equal(created.statusCode, 200, created.body);
        ids.push(created.json.id);
      }
      await call('POST', `/v1/agents/${agentId}/cards`, { purpose: 'card 0', type: 'single', maxAmount: 1_000, expiresInMinutes: 10 }, { 'Idempotency-Key': 'secrecy-0' });
      await call('POST', `/v1/agents/${agentId}/cards`, { purpose: 'too big', maxAmount: 1_000_000 });
      await call('GET', '/v1/cards?limit=100');
      await call('GET', `/v1/agents/${agentId}/cards`);
      await call('GET', `/v1/balances/${userId}`);
      for (const id of ids.slice(0, 3)) {
        await call('GET', `/v1/cards/${id}`);
        await call('PATCH', `/v1/cards/${id}`, { metadata: { seen: 'yes' } });
        await call('POST', `/v1/cards/${id}/freeze`);
        await call('POST', `/v1/cards/${id}/unfreeze`);
        await call('POST', `/v1/cards/${id}/close`);
        await call('POST', `/v1/cards/${id}/close`);
      }
      await call('POST', '/v1/sandbox/clock/advance', { seconds: 3_600 });
      await call('GET', '/v1/cards?status=closed&limit=100');

      const rows = await testApp.store.db.all<{ id: string; pan_ciphertext: string; expiration_month: number; expiration_year: number; status: string }>('SELECT * FROM cards WHERE agent_id = ?', [agentId]);
      assert.equal(rows.length, 6);
      assert.ok(rows.every((row) => row.status === 'closed'), 'every card closed by hand or by expiry');
      const pans = rows.map((row) => decryptPan(secrets, row.pan_ciphertext));
      assert.ok(pans.every(isIssuedPanFormat));
      assert.equal(new Set(pans).size, pans.length);

      for (const row of await testApp.store.db.all<Record<string, unknown>>('SELECT * FROM cards')) {
        assert.equal(Object.keys(row).some((column) => /cvv|pan$/i.test(column)), false, 'no column holds a plaintext number or a CVV');
      }
      const rowTexts = await everyRowAsText(testApp);
      assert.ok(rowTexts.some((text) => text.startsWith('events:')));
      for (const pan of pans) {
        for (const text of rowTexts) assert.equal(text.includes(pan), false, `PAN found in a row: ${text.slice(0, 80)}`);
        for (const response of responses) assert.equal(response.body.includes(pan), false, 'PAN found in a response');
        for (const line of testApp.logs) assert.equal(line.includes(pan), false, 'PAN found in a log line');
      }
      assert.ok(testApp.logs.length > 0, 'logs were captured');
      for (const response of responses) assert.doesNotMatch(response.body, /"(pan|cvv|panCiphertext|panFingerprint)"/);

      if (kind === 'sqlite') {
        // The raw bytes of the database and its WAL: what a stolen disk would show.
        const directory = dirname(testApp.store.location);
        const files = readdirSync(directory).filter((name) => name.startsWith('cardrail.db'));
        assert.ok(files.includes('cardrail.db'));
        let scannedBytes = 0;
        for (const name of files) {
          const bytes = readFileSync(join(directory, name));
          scannedBytes += bytes.length;
          for (const pan of pans) {
            assert.equal(bytes.includes(Buffer.from(pan, 'ascii')), false, `PAN in ${name}`);
            assert.equal(bytes.includes(Buffer.from(pan, 'utf16le')), false, `PAN (UTF-16) in ${name}`);
          }
        }
        // The scan can see plaintext: the purpose text written with the cards is there.
        const all = Buffer.concat(files.map((name) => readFileSync(join(directory, name))));
        assert.ok(all.includes(Buffer.from('card 5', 'ascii')), `the scan reads the data it should (${scannedBytes} bytes)`);
      }

      // CVVs are derivable on demand and appear nowhere either (3 digits occur by chance, so look for them as JSON values).
      for (const [index, row] of rows.entries()) {
        const cvv = deriveCvv(secrets, pans[index]!, row.expiration_month, row.expiration_year);
        for (const response of responses) assert.equal(response.body.includes(`"${cvv}"`), false);
      }
    });
  });
}
