import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isWellFormedId, newId } from '../../src/domain/ids.js';

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
});
