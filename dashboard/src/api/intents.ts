// Intents across the organization (GET /v1/intents: the approval queue and the history) and the API key's
// approval decision.
import { useQuery } from '@tanstack/react-query';
import { useSession } from '../session';
import { expectData, type DashboardClient } from './client';
import { definedOnly, useApiMutation, useCursorPages, type ListPage } from './query';
import type { Intent, IntentStatus } from './types';

export interface IntentFilter {
  status?: IntentStatus;
  cardId?: string;
  agentId?: string;
  userId?: string;
}

type IntentListQuery = IntentFilter & { limit: number; cursor?: string };

/** GET /v1/intents: the organization's intents, filtered (SPEC §4). */
async function listIntents(client: DashboardClient, query: IntentListQuery): Promise<ListPage<Intent>> {
  return expectData(await client.GET('/v1/intents', { params: { query } }));
}

export function useIntentPages(filter: IntentFilter, limit = 20) {
  const { client } = useSession();
  return useCursorPages(['intents', 'list', filter, limit], async (cursor) => listIntents(client, { ...filter, limit, ...definedOnly({ cursor }) }));
}

export function useIntent(id: string) {
  const { client } = useSession();
  return useQuery({ queryKey: ['intents', id], queryFn: async () => expectData(await client.GET('/v1/intents/{id}', { params: { path: { id } } })) });
}

export function useDecideIntent() {
  const { client } = useSession();
  return useApiMutation(async ({ id, decision, reason }: { id: string; decision: 'approve' | 'reject'; reason?: string }) => {
    const options = { params: { path: { id } }, body: reason === undefined ? {} : { reason } };
    if (decision === 'approve') return expectData(await client.POST('/v1/intents/{id}/approve', options));
    return expectData(await client.POST('/v1/intents/{id}/reject', options));
  }, ['intents']);
}
