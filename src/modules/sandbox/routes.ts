import { z } from 'zod';
import { defineRoute } from '../../http/route-definition.js';
import { runDueWork } from '../due-work-steps.js';
import { advanceSandboxClock, maxAdvanceSeconds, presentSandboxClock, sandboxOffsetMs } from './clock.js';

const clockSchema = z.object({ object: z.literal('sandbox_clock'), now: z.string(), offsetSeconds: z.number().int() });
const tag = 'Sandbox';

export const sandboxClockRoutes = [
  defineRoute({
    method: 'GET',
    url: '/v1/sandbox/clock',
    operationId: 'getSandboxClock',
    summary: "The sandbox environment's current time and how far it runs ahead of the wall clock",
    tag,
    response: clockSchema,
    handler: async ({ sql, scope, wallClockMs }) => presentSandboxClock(wallClockMs, await sandboxOffsetMs(sql, scope)),
  }),
  defineRoute({
    method: 'POST',
    url: '/v1/sandbox/clock/advance',
    operationId: 'advanceSandboxClock',
    summary: 'Move the sandbox clock forward (expiries, settlement and limit windows follow it); sandbox keys only',
    tag,
    body: z.strictObject({ seconds: z.number().int().min(1).max(maxAdvanceSeconds).describe('How far to move forward') }),
    response: clockSchema,
    handler: async ({ sql, scope, body, wallClockMs }) => {
      const offsetMs = await advanceSandboxClock(sql, scope, body.seconds);
      await runDueWork(sql, scope, wallClockMs + offsetMs);
      return presentSandboxClock(wallClockMs, offsetMs);
    },
  }),
];
