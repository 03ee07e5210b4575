// The event-type catalogue (src/domain/event-types.ts) lists SPEC §6's types and every type the code records, so an
// endpoint can subscribe to anything it may receive. The code is scanned for the ways types are written today.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { eventMatchesFilters, eventTypes, isKnownEventType, isValidEventFilter } from '../../../src/domain/event-types.js';

const sourceRoot = fileURLToPath(new URL('../../../src', import.meta.url));

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** SPEC §6 "Event types (at least)", risk.* expanded with the rules of SPEC §4. */
const specTypes = [
  'user.created', 'user.approved', 'user.rejected', 'user.verification_updated', 'deposit.pending', 'deposit.completed', 'deposit.rejected',
  'withdrawal.submitted', 'withdrawal.confirmed', 'withdrawal.failed', 'agent.created', 'agent.suspended', 'agent.activated', 'agent.limit_exceeded',
  'card.created', 'card.frozen', 'card.unfrozen', 'card.closed', 'intent.created', 'intent.pending_approval', 'intent.approved', 'intent.rejected',
  'intent.matched', 'intent.mismatched', 'intent.expired', 'credential.accessed', 'challenge.requested', 'transaction.created', 'transaction.declined',
  'transaction.settled', 'transaction.voided', 'transaction.refunded', 'risk.merchant_drift', 'risk.velocity', 'risk.duplicate', 'risk.spend_spike',
  'risk.unattested_spend', 'risk.intent_mismatch', 'risk.cooldown',
];

/** Where event types appear as literals: recordEvent / recordStatusChange calls, transition tables, risk firings. */
const typePatterns = [
  /recordEvent\(\s*\w+\s*,\s*\w+\s*,\s*'([a-z_]+\.[a-z_]+)'/g,
  /recordStatusChange\(\s*\w+\s*,\s*\w+\s*,\s*'([a-z_]+\.[a-z_]+)'/g,
  /\bevent:\s*'([a-z_]+\.[a-z_]+)'/g,
  /\beventType:\s*'([a-z_]+\.[a-z_]+)'/g,
];

describe('event type catalogue', () => {
  it('holds every SPEC §6 type, and every type the source records', () => {
    for (const type of specTypes) assert.ok(isKnownEventType(type), `SPEC type ${type} is missing`);
    const recorded = new Set<string>();
    for (const file of sourceFiles(sourceRoot)) {
      const text = readFileSync(file, 'utf8');
      for (const pattern of typePatterns) for (const match of text.matchAll(pattern)) recorded.add(match[1]!);
    }
    assert.ok(recorded.size >= 20, `the scan finds the recorded types (${recorded.size})`);
    assert.deepEqual([...recorded].filter((type) => !isKnownEventType(type)).sort(), [], 'recorded event types missing from src/domain/event-types.ts');
    assert.equal(new Set(eventTypes).size, eventTypes.length);
  });

  it('accepts exact types and family wildcards only, and matches them', () => {
    assert.ok(isValidEventFilter('card.frozen'));
    assert.ok(isValidEventFilter('risk.*'));
    assert.ok(isValidEventFilter('webhook.test'));
    for (const bad of ['*', 'card', 'card.', 'card.*.*', 'risk.velocity.*', 'cards.*', 'CARD.FROZEN', 'card.frozen ']) assert.ok(!isValidEventFilter(bad), bad);
    assert.ok(eventMatchesFilters('card.frozen', []));
    assert.ok(eventMatchesFilters('card.frozen', ['user.created', 'card.*']));
    assert.ok(!eventMatchesFilters('cardholder.x', ['card.*']));
    assert.ok(!eventMatchesFilters('card.frozen', ['card.unfrozen']));
  });
});
