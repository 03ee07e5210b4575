import { z } from 'zod';
import { listPageSchema, listQuerySchema } from '../pagination.js';
import { deliverySchema } from '../webhooks/schemas.js';

export const eventSchema = z.object({
  object: z.literal('event'),
  id: z.string(),
  type: z.string(),
  createdAt: z.string(),
  organizationId: z.string().describe('The organization the event belongs to (LedgerOS names it in the envelope)'),
  environment: z.string(),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});

export const eventListSchema = listPageSchema(eventSchema);

/** What webhooks deliver and the event stream carries in each `data:` line: the event without its `object` field. */
export const eventEnvelopeSchema = eventSchema.omit({ object: true });

export const eventStreamQuery = z.strictObject({
  type: z
    .string()
    .min(1)
    .max(1_000)
    .optional()
    .describe('Only these events: types (`card.frozen`) or family wildcards (`card.*`), comma-separated; absent: every type'),
  lastEventId: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .describe('Resume after this event, for clients that cannot send the `Last-Event-ID` header (the header wins when both are sent)'),
});

export const eventListQuery = listQuerySchema.extend({
  type: z.string().min(1).max(64).optional().describe('An event type (`card.frozen`) or a family wildcard (`card.*`)'),
});

export const eventIdParams = z.strictObject({ id: z.string().min(1).max(64) });

export const redeliverBody = z.strictObject({
  endpointId: z.string().min(1).max(64).optional().describe('Only this endpoint (enabled, subscribed or not); absent: every enabled endpoint whose filters match'),
});

export const redeliverySchema = z.object({
  object: z.literal('redelivery'),
  eventId: z.string(),
  deliveries: z.array(deliverySchema),
});
