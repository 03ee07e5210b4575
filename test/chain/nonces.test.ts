import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { allocateNonce, nextNonce } from '../../src/chain/nonces.js';
import { openTestDatabase, storeKinds, type TestDatabase } from '../helpers/stores.js';

const treasury = '0x52908400098527886E0F7030069857D2E4169EE7';

for (const kind of storeKinds) {
  describe(`treasury nonce allocator (${kind})`, () => {
    let store: TestDatabase;
    before(async () => {
      store = await openTestDatabase(kind);
    });
    after(async () => {
      await store.close();
    });

    it("starts at the chain's count, then counts up one at a time", async () => {
      assert.equal(await nextNonce(store.db, 'base', treasury), undefined);
      const first = await store.db.transaction((tx) => allocateNonce(tx, 'base', treasury, 7, 1));
      const second = await store.db.transaction((tx) => allocateNonce(tx, 'base', treasury, 7, 2));
      const third = await store.db.transaction((tx) => allocateNonce(tx, 'base', treasury.toLowerCase(), 0, 3));
      assert.deepEqual([first, second, third], [7, 8, 9]);
      assert.equal(await nextNonce(store.db, 'base', treasury), 10);
    });

    it('skips ahead when the chain counts more (the account was used elsewhere), never back', async () => {
      assert.equal(await store.db.transaction((tx) => allocateNonce(tx, 'polygon', treasury, 3, 1)), 3);
      assert.equal(await store.db.transaction((tx) => allocateNonce(tx, 'polygon', treasury, 20, 2)), 20);
      assert.equal(await store.db.transaction((tx) => allocateNonce(tx, 'polygon', treasury, 5, 3)), 21);
    });

    it('keeps networks and addresses apart', async () => {
      const other = '0x0000000000000000000000000000000000000001';
      assert.equal(await store.db.transaction((tx) => allocateNonce(tx, 'arbitrum', treasury, 0, 1)), 0);
      assert.equal(await store.db.transaction((tx) => allocateNonce(tx, 'arbitrum', other, 0, 1)), 0);
      assert.equal(await store.db.transaction((tx) => allocateNonce(tx, 'optimism', treasury, 0, 1)), 0);
      assert.equal(await store.db.transaction((tx) => allocateNonce(tx, 'arbitrum', treasury, 0, 1)), 1);
    });

    it('a rolled-back allocation gives its nonce back', async () => {
      assert.equal(await store.db.transaction((tx) => allocateNonce(tx, 'ethereum', treasury, 0, 1)), 0);
      await assert.rejects(
        store.db.transaction(async (tx) => {
          await allocateNonce(tx, 'ethereum', treasury, 0, 2);
          throw new Error('signing failed');
        }),
        /signing failed/,
      );
      assert.equal(await store.db.transaction((tx) => allocateNonce(tx, 'ethereum', treasury, 0, 3)), 1);
    });

    it('concurrent allocations get distinct, consecutive nonces', async () => {
      const allocations = 40;
      const nonces = await Promise.all(Array.from({ length: allocations }, (_, index) => store.db.transaction((tx) => allocateNonce(tx, 'ethereum-concurrent', treasury, 100, index))));
      assert.deepEqual([...nonces].sort((a, b) => a - b), Array.from({ length: allocations }, (_, index) => 100 + index));
    });

    it('refuses a floor that is not a count', async () => {
      await assert.rejects(store.db.transaction((tx) => allocateNonce(tx, 'base', treasury, -1, 1)), RangeError);
      await assert.rejects(store.db.transaction((tx) => allocateNonce(tx, 'base', treasury, 1.5, 1)), RangeError);
    });
  });
}
