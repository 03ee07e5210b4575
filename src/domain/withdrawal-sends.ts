// What to do next with a withdrawal sent on a real chain, from what the chain shows of it (pure: the sender observes,
// this decides). A withdrawal confirms or fails only on facts at least `minConfirmations` deep; one not mined in time
// is cancelled at its nonce, never abandoned, because a signed transaction can still be mined until its nonce is spent.

export interface SendObservation {
  /** The transfer's receipt, when it is in a block, and how deep that block is (1: the latest block). */
  transferReceipt: { status: 'success' | 'reverted'; confirmations: number } | undefined;
  /** The treasury's nonce count at the confirmed depth is past this transfer's nonce: the nonce is spent for good. */
  nonceSpentAtDepth: boolean;
  minConfirmations: number;
  nowMs: number;
  signedAtMs: number;
  /** How long after signing the transfer may go unmined before it is cancelled. */
  timeoutMs: number;
  /** A zero-value transaction replacing the transfer at its nonce is already signed. */
  cancellationSigned: boolean;
  /** Times in a row the node refused the transfer (underpriced, no funds for gas, …). */
  broadcastRefusals: number;
}

export type SendStep =
  | { kind: 'confirm' }
  | { kind: 'fail'; reason: string }
  | { kind: 'cancel'; reason: string }
  | { kind: 'wait' };

/** Refusals in a row after which the transfer is cancelled instead of waiting for the timeout: its nonce blocks every later one. */
export const broadcastRefusalsMax = 3;

export function nextSendStep(observation: SendObservation): SendStep {
  if (!Number.isSafeInteger(observation.minConfirmations) || observation.minConfirmations < 1) throw new RangeError(`minConfirmations must be a positive integer, got ${observation.minConfirmations}`);
  const receipt = observation.transferReceipt;
  if (receipt !== undefined) {
    if (receipt.confirmations < observation.minConfirmations) return { kind: 'wait' };
    return receipt.status === 'success' ? { kind: 'confirm' } : { kind: 'fail', reason: 'the token contract reverted the transfer' };
  }
  // Not in a block, and its nonce spent deeply enough by another transaction (the cancellation, or a transaction made
  // elsewhere with the treasury's key): it can never be mined now.
  if (observation.nonceSpentAtDepth) {
    return { kind: 'fail', reason: observation.cancellationSigned ? 'not mined in time: cancelled on chain, nothing was sent' : 'another transaction of the treasury used its nonce; nothing was sent' };
  }
  if (observation.cancellationSigned) return { kind: 'wait' };
  if (observation.nowMs - observation.signedAtMs >= observation.timeoutMs) return { kind: 'cancel', reason: `not mined within ${Math.round(observation.timeoutMs / 1000)} s` };
  if (observation.broadcastRefusals >= broadcastRefusalsMax) return { kind: 'cancel', reason: `the node refused it ${observation.broadcastRefusals} times` };
  return { kind: 'wait' };
}
