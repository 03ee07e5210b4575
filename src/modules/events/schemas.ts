import { z } from 'zod';
import { listPageSchema, listQuerySchema } from '../pagination.js';
import { deliverySchema } from '../webhooks/schemas.js';

export const eventSchema = z.object({
  object: z.literal('event'),
  id: z.string(),
  type: z.string(),
  createdAt: z.string(),
  environment: z.string(),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});

export const eventListSchema = listPageSchema(eventSchema);

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
