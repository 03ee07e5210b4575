import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { broadcastRefusalsMax, nextSendStep, type SendObservation } from '../../src/domain/withdrawal-sends.js';

const inFlight: SendObservation = {
  transferReceipt: undefined,
  nonceSpentAtDepth: false,
  minConfirmations: 3,
  nowMs: 10_000,
  signedAtMs: 9_000,
  timeoutMs: 60_000,
  cancellationSigned: false,
  broadcastRefusals: 0,
};

describe('the next step of a withdrawal sent on chain', () => {
  it('waits while the transfer is unmined, or mined but shallower than minConfirmations', () => {
    assert.deepEqual(nextSendStep(inFlight), { kind: 'wait' });
    assert.deepEqual(nextSendStep({ ...inFlight, transferReceipt: { status: 'success', confirmations: 2 } }), { kind: 'wait' });
    assert.deepEqual(nextSendStep({ ...inFlight, transferReceipt: { status: 'reverted', confirmations: 2 } }), { kind: 'wait' });
  });

  it('confirms a successful transfer at depth and fails a reverted one, even past the timeout or with a cancellation signed', () => {
    for (const extra of [{}, { nowMs: 1_000_000 }, { cancellationSigned: true, nonceSpentAtDepth: true }]) {
      assert.deepEqual(nextSendStep({ ...inFlight, ...extra, transferReceipt: { status: 'success', confirmations: 3 } }), { kind: 'confirm' });
      assert.deepEqual(nextSendStep({ ...inFlight, ...extra, transferReceipt: { status: 'reverted', confirmations: 3 } }), { kind: 'fail', reason: 'the token contract reverted the transfer' });
    }
  });

  it('fails an unmined transfer only once its nonce is spent at depth', () => {
    assert.equal(nextSendStep({ ...inFlight, cancellationSigned: true }).kind, 'wait');
    assert.match((nextSendStep({ ...inFlight, cancellationSigned: true, nonceSpentAtDepth: true }) as { reason: string }).reason, /cancelled on chain/);
    assert.match((nextSendStep({ ...inFlight, nonceSpentAtDepth: true }) as { reason: string }).reason, /another transaction of the treasury used its nonce/);
  });

  it('cancels at the timeout or after repeated refusals, once', () => {
    assert.deepEqual(nextSendStep({ ...inFlight, nowMs: inFlight.signedAtMs + 59_999 }), { kind: 'wait' });
    assert.deepEqual(nextSendStep({ ...inFlight, nowMs: inFlight.signedAtMs + 60_000 }), { kind: 'cancel', reason: 'not mined within 60 s' });
    assert.deepEqual(nextSendStep({ ...inFlight, broadcastRefusals: broadcastRefusalsMax - 1 }), { kind: 'wait' });
    assert.equal(nextSendStep({ ...inFlight, broadcastRefusals: broadcastRefusalsMax }).kind, 'cancel');
    assert.deepEqual(nextSendStep({ ...inFlight, nowMs: 1_000_000, broadcastRefusals: 10, cancellationSigned: true }), { kind: 'wait' });
  });

  it('refuses a depth that is not a positive integer', () => {
    assert.throws(() => nextSendStep({ ...inFlight, minConfirmations: 0 }), RangeError);
  });
});
