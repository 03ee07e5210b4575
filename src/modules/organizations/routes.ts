import { z } from 'zod';
import { AppError } from '../../domain/errors.js';
import { defineRoute } from '../../http/route.js';
import { getOrganization, presentOrganization, setRequireIpAllowlist } from './service.js';

const organizationSchema = z.object({
  object: z.literal('organization'),
  id: z.string(),
  name: z.string(),
  requireIpAllowlist: z.boolean(),
  createdAt: z.string(),
});

const tag = 'Organization';

export const organizationRoutes = [
  defineRoute({
    method: 'GET',
    url: '/v1/organization',
    operationId: 'getOrganization',
    summary: "The calling key's organization and its security settings",
    tag,
    response: organizationSchema,
    handler: async ({ sql, scope }) => presentOrganization(await getOrganization(sql, scope.organizationId)),
  }),
  defineRoute({
    method: 'PATCH',
    url: '/v1/organization',
    operationId: 'updateOrganization',
    summary: 'Update security settings: requireIpAllowlist makes every API key without allowedIps answer 403 no_authorized_ips',
    tag,
    body: z.strictObject({ requireIpAllowlist: z.boolean().optional() }),
    response: organizationSchema,
    handler: async ({ sql, scope, body, principal }) => {
      if (body.requireIpAllowlist === undefined) return presentOrganization(await getOrganization(sql, scope.organizationId));
      if (body.requireIpAllowlist && principal.kind === 'apiKey' && (principal.allowedIps === null || principal.allowedIps.length === 0)) {
        throw new AppError('ip_allowlist_required_for_caller', { param: 'requireIpAllowlist' });
      }
      return presentOrganization(await setRequireIpAllowlist(sql, scope.organizationId, body.requireIpAllowlist));
    },
  }),
];
