// Renders docs/errors.md from the catalogue; `npm run docs:errors` writes it and a test checks it is current.
import { errorCatalogue, type ErrorDefinition } from './errors.js';

export function renderErrorsDocument(): string {
  const lines = [
    '# Error catalogue',
    '',
    'Generated from `src/domain/errors.ts` by `npm run docs:errors`; a test fails when this file and the code differ.',
    '',
    'Every error answers with this body (SPEC §3); `param` is present when one field is at fault:',
    '',
    '```json',
    '{ "status": "error", "error": { "type": "conflict_error", "code": "insufficient_balance", "message": "…", "param": "maxAmount" }, "requestId": "req_…" }',
    '```',
    '',
    'Match on `code`, which is stable; `message` is for people and may change. Quote `requestId` when asking for help.',
    '',
    '| HTTP | type | code | message | when and what to do |',
    '| --- | --- | --- | --- | --- |',
  ];
  const entries = Object.entries(errorCatalogue) as Array<[string, ErrorDefinition]>;
  entries.sort(([codeA, a], [codeB, b]) => a.status - b.status || a.type.localeCompare(b.type) || codeA.localeCompare(codeB));
  for (const [code, definition] of entries) {
    const message = definition.message.replace(/\|/g, '\\|');
    lines.push(`| ${definition.status} | \`${definition.type}\` | \`${code}\` | ${message} | ${definition.description.replace(/\|/g, '\\|')} |`);
  }
  lines.push('');
  return lines.join('\n');
}
