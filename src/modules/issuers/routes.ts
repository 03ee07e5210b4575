// The organization's issuer choice over HTTP: read it, and change which issuer new cards are made on.
import { z } from 'zod';
import { defineRoute } from '../../http/route-definition.js';
import { issuerNames } from '../../network/issuer.js';
import { getIssuerSettings, presentIssuerSettings, setIssuer } from './service.js';

const issuerSettingsSchema = z.strictObject({
  object: z.literal('issuer_settings'),
  environment: z.enum(['sandbox', 'live']),
  issuer: z.enum(issuerNames).describe('Where new cards of this environment are issued'),
  issuers: z
    .array(z.strictObject({ name: z.enum(issuerNames), configured: z.boolean(), environment: z.enum(['sandbox', 'production']).nullable().describe("The processor's own environment, when configured") }))
    .describe('Every issuer, and whether this deployment has credentials for it'),
  updatedAt: z.string().nullable(),
});

export const issuerRoutes = [
  defineRoute({
    method: 'GET',
    url: '/v1/settings/issuer',
    operationId: 'getIssuerSettings',
    summary: 'Which issuer-processor new cards of this environment are issued on, and which this deployment offers',
    tag: 'Issuers',
    response: issuerSettingsSchema,
    handler: async ({ sql, scope, app }) => presentIssuerSettings(await getIssuerSettings(sql, scope), scope, app.config),
  }),
  defineRoute({
    method: 'PATCH',
    url: '/v1/settings/issuer',
    operationId: 'updateIssuerSettings',
    summary: 'Choose the issuer new cards are made on (existing cards stay where they were issued)',
    description: '`lithic` needs a Lithic program configured on the server (CARDRAIL_LITHIC_API_KEY and its secrets), else 409 issuer_not_configured.',
    tag: 'Issuers',
    body: z.strictObject({ issuer: z.enum(issuerNames) }),
    response: issuerSettingsSchema,
    handler: async ({ sql, scope, body, nowMs, app }) => presentIssuerSettings(await setIssuer(sql, app.config, scope, body.issuer, nowMs), scope, app.config),
  }),
];
