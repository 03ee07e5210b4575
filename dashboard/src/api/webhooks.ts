// Webhook endpoints, their secrets (reveal, rotate), Send Test, the delivery log and redelivery, and the failed
// attempts of the last 24 hours the overview lists.
import { useQuery } from '@tanstack/react-query';
import { useSession } from '../session';
import { expectData } from './client';
import { definedOnly, useApiMutation, useCursorPages } from './query';
import type { RequestBody, WebhookDelivery, WebhookEndpoint } from './types';

export function useEndpointPages() {
  const { client } = useSession();
  return useCursorPages(['webhooks', 'list'], async (cursor) => expectData(await client.GET('/v1/webhooks', { params: { query: { limit: 20, ...definedOnly({ cursor }) } } })));
}

export function useEndpoint(id: string) {
  const { client } = useSession();
  return useQuery({ queryKey: ['webhooks', id], queryFn: async () => expectData(await client.GET('/v1/webhooks/{id}', { params: { path: { id } } })) });
}

export function useCreateEndpoint() {
  const { client } = useSession();
  return useApiMutation(async (body: RequestBody<'createWebhookEndpoint'>) => expectData(await client.POST('/v1/webhooks', { body })), ['webhooks']);
}

export function useUpdateEndpoint() {
  const { client } = useSession();
  return useApiMutation(
    async ({ id, body }: { id: string; body: RequestBody<'updateWebhookEndpoint'> }) => expectData(await client.PATCH('/v1/webhooks/{id}', { params: { path: { id } }, body })),
    ['webhooks'],
  );
}

export function useDeleteEndpoint() {
  const { client } = useSession();
  return useApiMutation(async (id: string) => expectData(await client.DELETE('/v1/webhooks/{id}', { params: { path: { id } } })), ['webhooks']);
}

/** The signing secret, read only when the operator asks (never cached with the other data). */
export function useRevealSecret() {
  const { client } = useSession();
  return useApiMutation(async (id: string) => expectData(await client.GET('/v1/webhooks/{id}/secret', { params: { path: { id } } })), []);
}

export function useRotateSecret() {
  const { client } = useSession();
  return useApiMutation(async (id: string) => expectData(await client.POST('/v1/webhooks/{id}/rotate-secret', { params: { path: { id } } })), ['webhooks']);
}

export function useSendTest() {
  const { client } = useSession();
  return useApiMutation(async (id: string) => expectData(await client.POST('/v1/webhooks/{id}/test', { params: { path: { id } } })), ['deliveries']);
}

/** How often delivery logs are read again while on screen: attempts and retries happen without an event. */
const deliveryRefreshMs = 10_000;

export function useDeliveryPages(endpointId: string, status: WebhookDelivery['status'] | undefined) {
  const { client } = useSession();
  return useCursorPages(
    ['deliveries', endpointId, status ?? null],
    async (cursor) => expectData(await client.GET('/v1/webhooks/{id}/deliveries', { params: { path: { id: endpointId }, query: { limit: 20, ...definedOnly({ cursor, status }) } } })),
    { refetchIntervalMs: deliveryRefreshMs },
  );
}

export function useRedeliver() {
  const { client } = useSession();
  return useApiMutation(
    async ({ eventId, endpointId }: { eventId: string; endpointId: string }) =>
      expectData(await client.POST('/v1/events/{id}/redeliver', { params: { path: { id: eventId } }, body: { endpointId } })),
    ['deliveries'],
  );
}

export interface FailedDelivery {
  endpoint: WebhookEndpoint;
  delivery: WebhookDelivery;
  /** The most recent attempt, which failed. */
  attempt: WebhookDelivery['attempts'][number];
}

/** Endpoints and deliveries read for the overview: bounded, newest first. */
const endpointsRead = 10;
const deliveriesReadPerEndpoint = 50;

/**
 * Deliveries whose latest attempt failed (no 2xx: an error status, a timeout, a refused connection) within the last
 * 24 hours, across the first endpoints: what the API's delivery log says, newest attempt first.
 */
export function useRecentWebhookFailures() {
  const { client } = useSession();
  return useQuery({
    queryKey: ['deliveries', 'failures'],
    // Attempts are not events: nothing on the event stream says one failed, so this list is read again regularly.
    staleTime: 0,
    refetchInterval: deliveryRefreshMs,
    queryFn: async (): Promise<FailedDelivery[]> => {
      const since = Date.now() - 24 * 3600 * 1000;
      const endpoints = expectData(await client.GET('/v1/webhooks', { params: { query: { limit: endpointsRead } } })).data;
      const failures: FailedDelivery[] = [];
      for (const endpoint of endpoints) {
        const deliveries = expectData(await client.GET('/v1/webhooks/{id}/deliveries', { params: { path: { id: endpoint.id }, query: { limit: deliveriesReadPerEndpoint } } })).data;
        for (const delivery of deliveries) {
          const attempt = delivery.attempts[delivery.attempts.length - 1];
          if (attempt === undefined || attempt.error === null || Date.parse(attempt.attemptedAt) < since) continue;
          failures.push({ endpoint, delivery, attempt });
        }
      }
      return failures.sort((a, b) => Date.parse(b.attempt.attemptedAt) - Date.parse(a.attempt.attemptedAt));
    },
  });
}
