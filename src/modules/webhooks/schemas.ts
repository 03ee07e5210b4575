import { z } from 'zod';
import { listPageSchema, listQuerySchema } from '../pagination.js';
import { endpointUrlLengthMax } from './destination.js';

export const endpointStatuses = ['enabled', 'disabled'] as const;
export type EndpointStatus = (typeof endpointStatuses)[number];
export const deliveryStatuses = ['pending', 'succeeded', 'failed', 'canceled'] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];
export const deliveryOrigins = ['event', 'redeliver', 'test'] as const;
export type DeliveryOrigin = (typeof deliveryOrigins)[number];

/** An endpoint subscribes to at most this many filters. */
export const eventFiltersMax = 100;

const eventFilters = z
  .array(z.string().min(1).max(64))
  .max(eventFiltersMax)
  .describe('Event types (`card.frozen`) or family wildcards (`card.*`); empty, absent or `["*"]`: every type');

export const createEndpointBody = z.strictObject({
  url: z.string().min(1).max(endpointUrlLengthMax).describe('http or https URL the events are POSTed to'),
  events: eventFilters.optional(),
  description: z.string().max(500).optional(),
});
export type CreateEndpointInput = z.infer<typeof createEndpointBody>;

export const updateEndpointBody = z.strictObject({
  url: z.string().min(1).max(endpointUrlLengthMax).optional(),
  events: eventFilters.optional(),
  description: z.string().max(500).nullable().optional(),
  enabled: z.boolean().optional().describe('true re-enables a disabled endpoint (for example after a 410 Gone); false disables it'),
  status: z.enum(endpointStatuses).optional().describe('LedgerOS\'s spelling of enabled: enabled or disabled'),
});
export type UpdateEndpointInput = z.infer<typeof updateEndpointBody>;

export const endpointIdParams = z.strictObject({ id: z.string().min(1).max(64) });

export const endpointSchema = z.object({
  object: z.literal('webhook_endpoint'),
  id: z.string(),
  url: z.string(),
  description: z.string().nullable(),
  events: z.array(z.string()),
  status: z.enum(endpointStatuses),
  enabled: z.boolean(),
  statusReason: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const endpointWithSecretSchema = endpointSchema.extend({
  secret: z.string().nullable().describe('whsec_…: shown on create and rotation (null in an idempotent replay); GET /v1/webhooks/{id}/secret shows it again'),
});

export const endpointListSchema = listPageSchema(endpointSchema);

export const endpointSecretSchema = z.object({
  object: z.literal('webhook_secret'),
  endpointId: z.string(),
  secret: z.string(),
  previousSecretExpiresAt: z.string().nullable().describe('while a rotated-out secret still signs too'),
});

export const attemptSchema = z.object({
  number: z.number().int(),
  statusCode: z.number().int().nullable(),
  latencyMs: z.number().int(),
  error: z.string().nullable(),
  responseExcerpt: z.string().nullable().describe("The start of the receiver's answer (at most 500 bytes, … when cut); null when it sent none"),
  attemptedAt: z.string(),
});

export const deliverySchema = z.object({
  object: z.literal('webhook_delivery'),
  id: z.string(),
  endpointId: z.string(),
  eventId: z.string(),
  eventType: z.string(),
  origin: z.enum(deliveryOrigins),
  status: z.enum(deliveryStatuses),
  statusReason: z.string().nullable(),
  attemptCount: z.number().int(),
  nextAttemptAt: z.string().nullable(),
  attempts: z.array(attemptSchema),
  createdAt: z.string(),
  updatedAt: z.string(),
  completedAt: z.string().nullable(),
});

export const deliveryListSchema = listPageSchema(deliverySchema);

export const deliveryListQuery = listQuerySchema.extend({
  status: z.enum(deliveryStatuses).optional(),
  eventId: z.string().min(1).max(64).optional(),
});
