import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { initializeOrganization } from '../../src/modules/organizations/bootstrap.js';
import { migrate } from '../../src/store/migrate.js';
import { SqliteDatabase } from '../../src/store/sqlite/database.js';
import { createApprovedUser, fundUser } from '../helpers/money.js';

function verifyLedgerCommand(dataDir: string) {
  const result = spawnSync(process.execPath, ['bin/cardrail.js', 'verify-ledger'], { env: { ...process.env, CARDRAIL_DATA_DIR: dataDir, DATABASE_URL: '' }, encoding: 'utf8', timeout: 180_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('cardrail verify-ledger', () => {
  let dataDir: string;
  let userId: string;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'cardrail-verify-'));
    const db = new SqliteDatabase(join(dataDir, 'cardrail.db'));
    await migrate(db);
    const { organization } = await initializeOrganization(db, 'verify', Date.now());
    const scope = { organizationId: organization.id, environment: 'sandbox' as const };
    userId = await createApprovedUser(db, scope, Date.now());
    await fundUser(db, scope, userId, 12_345, Date.now());
    await db.close();
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('exits 0 on a healthy store', () => {
    const result = verifyLedgerCommand(dataDir);
    assert.equal(result.status, 0, result.output);
    assert.match(result.output, /Ledger OK: \d+ accounts, 1 transfers/);
  });

  it('exits 1 naming each broken invariant on a store corrupted behind the ledger', async () => {
    const db = new SqliteDatabase(join(dataDir, 'cardrail.db'));
    // A cached balance changed without a transfer: breaks (1) zero sum and (5) fold.
    await db.run('UPDATE ledger_accounts SET balance = balance + 500 WHERE id = ?', [`${userId}:available`]);
    // A transfer deleted after dropping the append-only guard: breaks (6) and the entry count of (5).
    await db.run('DROP TRIGGER ledger_transfers_no_delete');
    await db.run('DELETE FROM ledger_transfers');
    await db.close();

    const result = verifyLedgerCommand(dataDir);
    assert.equal(result.status, 1, result.output);
    assert.match(result.output, /problem/);
    assert.match(result.output, /\(1\) balances of org_\w+\/sandbox USD sum to 500, not 0/);
    assert.match(result.output, new RegExp(`\\(5\\) cached balance of ${userId}:available is 12845, its transfers fold to 0`));
    assert.match(result.output, /\(6\) the append-only guards on ledger_transfers are missing/);
  });
});
