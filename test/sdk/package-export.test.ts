// `cardrail/sdk` is importable as a subpath of the package (package.json "exports"), from the built files, with the
// client and verifyWebhook — what an integrator's `import … from 'cardrail/sdk'` gets.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('cardrail/sdk package export', () => {
  it('resolves to the built SDK with createCardrailClient, expectData, CardrailApiError, streamEvents, verifyWebhook and verifyApprovalRecord', () => {
    execFileSync(process.execPath, ['-e', "import('./scripts/build-if-needed.mjs').then((m) => m.buildIfNeeded(process.cwd()))"], { cwd: root, stdio: 'pipe' });
    const probe = `import('cardrail/sdk').then((sdk) => console.log(JSON.stringify({
      resolved: import.meta.resolve('cardrail/sdk'),
      exports: ['createCardrailClient', 'expectData', 'CardrailApiError', 'streamEvents', 'verifyWebhook', 'WebhookVerificationError', 'verifyApprovalRecord', 'ApprovalRecordVerificationError'].map((name) => [name, typeof sdk[name]]),
    })))`;
    const output = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', probe], { cwd: root, encoding: 'utf8' })) as { resolved: string; exports: Array<[string, string]> };
    assert.match(output.resolved, /\/dist\/sdk\/index\.js$/);
    assert.deepEqual(output.exports, [
      ['createCardrailClient', 'function'],
      ['expectData', 'function'],
      ['CardrailApiError', 'function'],
      ['streamEvents', 'function'],
      ['verifyWebhook', 'function'],
      ['WebhookVerificationError', 'function'],
      ['verifyApprovalRecord', 'function'],
      ['ApprovalRecordVerificationError', 'function'],
    ]);
  });
});
