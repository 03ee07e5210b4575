// The PAN guard on the MCP channel (SPEC §4 "Credential exposure"): every tool result an agent's model reads is
// scanned for card numbers and the security codes beside them (src/domain/pan-guard.ts), which are replaced — except
// the number of a rawPan card in the details answer that hands it out on purpose.
import { guardCardNumbers, guardValue } from '../domain/pan-guard.js';

/** The card numbers a result may carry: those of details answers whose exposureMode is rawPan. */
function deliberateNumbers(value: unknown, into: Set<string>): Set<string> {
  if (Array.isArray(value)) for (const item of value) deliberateNumbers(item, into);
  else if (value !== null && typeof value === 'object') {
    const record = value as Record<string, unknown>;
    if (record.exposureMode === 'rawPan' && typeof record.pan === 'string') into.add(record.pan);
    for (const inner of Object.values(record)) deliberateNumbers(inner, into);
  }
  return into;
}

/** The result with every other card number and its security code replaced. */
export function guardToolResult<T>(result: T): T {
  const allowed = deliberateNumbers(result, new Set());
  return guardValue(result, (digits) => allowed.has(digits)).value;
}

/** An error or other text meant for the model. */
export function guardToolText(text: string): string {
  return guardCardNumbers(text).text;
}
