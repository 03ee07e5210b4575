import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attestationWarnings, effectiveApprovalPolicy, effectiveIntentStatus, intentWarnings, needsApproval, pendingLifetimeMs } from '../../src/domain/intents.js';

describe('intent rules', () => {
  it('waits for approval at or above autoApproveBelow, and always when no threshold is set', () => {
    assert.equal(needsApproval({ requireApproval: false, autoApproveBelowCents: null }, 1_000_000), false);
    assert.equal(needsApproval({ requireApproval: true, autoApproveBelowCents: null }, 1), true);
    assert.equal(needsApproval({ requireApproval: true, autoApproveBelowCents: 5_000 }, 4_999), false);
    assert.equal(needsApproval({ requireApproval: true, autoApproveBelowCents: 5_000 }, 5_000), true);
  });

  it("takes the card's policy over the agent's where the card sets one", () => {
    const agent = { requireApproval: true, autoApproveBelowCents: 1_000 };
    assert.deepEqual(effectiveApprovalPolicy({ requireApproval: null, autoApproveBelowCents: null }, agent), agent);
    assert.deepEqual(effectiveApprovalPolicy({ requireApproval: false, autoApproveBelowCents: null }, agent), { requireApproval: false, autoApproveBelowCents: null });
    assert.deepEqual(effectiveApprovalPolicy({ requireApproval: true, autoApproveBelowCents: 300 }, agent), { requireApproval: true, autoApproveBelowCents: 300 });
    assert.deepEqual(effectiveApprovalPolicy({ requireApproval: true, autoApproveBelowCents: null }, agent), { requireApproval: true, autoApproveBelowCents: 1_000 });
  });

  it('warns when the amount exceeds maxAmount or the agent limit, and only then', () => {
    assert.deepEqual(intentWarnings(15_000, 15_000, null), []);
    assert.deepEqual(intentWarnings(34_999, 15_000, 50_000).map((warning) => warning.code), ['exceeds_max_amount']);
    assert.deepEqual(intentWarnings(34_999, 50_000, 20_000).map((warning) => warning.code), ['agent_limit_exceeded']);
    assert.match(intentWarnings(34_999, 15_000, null)[0]!.message, /15000/);
  });

  it('warns when the attestation names another merchant or an amount outside the tolerance, boundary included', () => {
    const declared = { amountCents: 10_000, merchantText: 'Amazon' };
    const fields = (attested: { amountCents: number; merchantText: string }, tolerance?: number) =>
      attestationWarnings(declared, attested, tolerance).map((warning) => [warning.code, warning.field]);
    assert.deepEqual(fields({ amountCents: 10_000, merchantText: 'Amazon' }), []);
    assert.deepEqual(fields({ amountCents: 11_000, merchantText: 'AMZN Mktp US*2K4TY7' }), [], 'alias and 10 % both match');
    assert.deepEqual(fields({ amountCents: 9_000, merchantText: 'amazon.com' }), []);
    assert.deepEqual(fields({ amountCents: 11_001, merchantText: 'Amazon' }), [['attestation_mismatch', 'expectedAmount']]);
    assert.deepEqual(fields({ amountCents: 8_999, merchantText: 'Amazon' }), [['attestation_mismatch', 'expectedAmount']]);
    assert.deepEqual(fields({ amountCents: 10_000, merchantText: 'Amazonia Pets' }), [['attestation_mismatch', 'merchantText']]);
    assert.deepEqual(fields({ amountCents: 20_000, merchantText: 'Walmart' }), [
      ['attestation_mismatch', 'merchantText'],
      ['attestation_mismatch', 'expectedAmount'],
    ]);
    assert.deepEqual(fields({ amountCents: 11_001, merchantText: 'Amazon' }, 0.2), [], 'the tolerance is a parameter');
    for (const warning of attestationWarnings(declared, { amountCents: 20_000, merchantText: 'Walmart' })) assert.ok(warning.message.length > 0);
  });

  it('keeps a pending intent for its ttl in minutes (whole minutes from 1)', () => {
    assert.equal(pendingLifetimeMs(60), 60 * 60_000);
    assert.equal(pendingLifetimeMs(1), 60_000);
    assert.equal(pendingLifetimeMs(1_440), 24 * 60 * 60_000);
    for (const bad of [0, -1, 1.5, Number.NaN]) assert.throws(() => pendingLifetimeMs(bad), RangeError);
  });

  it('counts an expiry the sweeper has not written yet', () => {
    const created = Date.UTC(2026, 0, 1);
    const expiresAt = created + pendingLifetimeMs(60);
    assert.equal(effectiveIntentStatus('pending', expiresAt, expiresAt - 1), 'pending');
    assert.equal(effectiveIntentStatus('pending', expiresAt, expiresAt), 'expired');
    assert.equal(effectiveIntentStatus('revealed', expiresAt, expiresAt + 1), 'expired');
    assert.equal(effectiveIntentStatus('matched', expiresAt, expiresAt + 1), 'matched');
  });
});
