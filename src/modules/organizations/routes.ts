import { z } from 'zod';
import { AppError } from '../../domain/errors.js';
import { defineRoute } from '../../http/route-definition.js';
import { exposureModes } from '../../domain/credential-exposure.js';
import { getOrganization, presentOrganization, setDefaultCredentialExposure, setRequireIpAllowlist } from './service.js';

const organizationSchema = z.object({
  object: z.literal('organization'),
  id: z.string(),
  name: z.string(),
  requireIpAllowlist: z.boolean(),
  defaultCredentialExposure: z.enum(exposureModes).describe("How cards expose their number when neither they nor their policies say: never, extensionOnly or rawPan (default)"),
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
    summary:
      'Update security settings: requireIpAllowlist makes every API key without allowedIps answer 403 no_authorized_ips; defaultCredentialExposure sets how cards expose their number by default',
    tag,
    body: z.strictObject({ requireIpAllowlist: z.boolean().optional(), defaultCredentialExposure: z.enum(exposureModes).optional() }),
    response: organizationSchema,
    handler: async ({ sql, scope, body, principal }) => {
      if (body.requireIpAllowlist === true && principal.kind === 'apiKey' && (principal.allowedIps === null || principal.allowedIps.length === 0)) {
        throw new AppError('ip_allowlist_required_for_caller', { param: 'requireIpAllowlist' });
      }
      if (body.defaultCredentialExposure !== undefined) await setDefaultCredentialExposure(sql, scope.organizationId, body.defaultCredentialExposure);
      if (body.requireIpAllowlist !== undefined) await setRequireIpAllowlist(sql, scope.organizationId, body.requireIpAllowlist);
      return presentOrganization(await getOrganization(sql, scope.organizationId));
    },
  }),
];
