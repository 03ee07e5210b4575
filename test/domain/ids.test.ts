import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { idSequenceMemory, isWellFormedId, newId } from '../../src/domain/ids.js';

describe('ids', () => {
  it('are prefixed, 26 characters after the prefix, and sort by time', () => {
    const early = newId('card', Date.UTC(2026, 0, 1));
    const late = newId('card', Date.UTC(2026, 0, 2));
    assert.match(early, /^card_[0-9a-hjkmnp-tv-z]{26}$/);
    assert.ok(early < late);
    assert.ok(isWellFormedId(early, 'card'));
    assert.ok(!isWellFormedId(early, 'user'));
    assert.ok(!isWellFormedId('card_x'));
  });

  it('made in one millisecond sort in creation order even when other clocks interleave', () => {
    const timeMs = Date.UTC(2026, 5, 1);
    const ids: string[] = [];
    for (let index = 0; index < 500; index += 1) {
      ids.push(newId('evt', timeMs));
      newId('req', Date.now() + index); // another clock's ids in between
    }
    assert.deepEqual([...ids].sort(), ids);
    assert.equal(new Set(ids).size, ids.length);
  });

  it("made in one millisecond by the process's threads sort in creation order across them", async () => {
    const timeMs = Date.UTC(2026, 6, 1);
    const module = JSON.stringify(new URL('../../src/domain/ids.ts', import.meta.url).href);
    // A thread that makes one id whenever asked, ordered with this thread's through the shared memory.
    const worker = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${module}); }).then((ids) => {
         ids.adoptIdSequenceMemory(workerData.memory);
         parentPort.on('message', (timeMs) => parentPort.postMessage(ids.newId('evt', timeMs)));
         parentPort.postMessage('ready');
       });`,
      { eval: true, workerData: { memory: idSequenceMemory() } },
    );
    const next = () => new Promise<string>((resolve) => worker.once('message', resolve));
    try {
      assert.equal(await next(), 'ready');
      const ids: string[] = [];
      for (let round = 0; round < 50; round += 1) {
        ids.push(newId('evt', timeMs));
        worker.postMessage(timeMs);
        ids.push(await next());
      }
      assert.deepEqual([...ids].sort(), ids);
      assert.equal(new Set(ids).size, ids.length);
    } finally {
      await worker.terminate();
    }
  });
});
