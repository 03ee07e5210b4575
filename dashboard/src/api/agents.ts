// Agents: their policy (spend in the current window against the limit), tokens, and status changes.
import { useQuery } from '@tanstack/react-query';
import { useSession } from '../session';
import { expectData } from './client';
import { definedOnly, useApiMutation, useCursorPages } from './query';
import type { RequestBody } from './types';

export function useAgentPages(filter: { userId?: string }, limit = 20) {
  const { client } = useSession();
  return useCursorPages(['agents', 'list', filter, limit], async (cursor) =>
    expectData(await client.GET('/v1/agents', { params: { query: { limit, ...definedOnly({ cursor, userId: filter.userId }) } } })),
  );
}

export function useAgent(id: string) {
  const { client } = useSession();
  return useQuery({ queryKey: ['agents', id], queryFn: async () => expectData(await client.GET('/v1/agents/{id}', { params: { path: { id } } })) });
}

export function useAgentPolicy(id: string) {
  const { client } = useSession();
  return useQuery({ queryKey: ['agentPolicy', id], queryFn: async () => expectData(await client.GET('/v1/agents/{id}/policy', { params: { path: { id } } })) });
}

export function useRegisterAgent() {
  const { client } = useSession();
  return useApiMutation(async (input: RequestBody<'registerAgent'>) => expectData(await client.POST('/v1/agents/register', { body: input })), ['agents']);
}

export type AgentStatusAction = 'suspend' | 'activate' | 'deregister';

export function useAgentStatusAction() {
  const { client } = useSession();
  return useApiMutation(async ({ id, action }: { id: string; action: AgentStatusAction }) => {
    const options = { params: { path: { id } } };
    if (action === 'suspend') return expectData(await client.POST('/v1/agents/{id}/suspend', options));
    if (action === 'activate') return expectData(await client.POST('/v1/agents/{id}/activate', options));
    return expectData(await client.POST('/v1/agents/{id}/deregister', options));
  }, ['agents', 'agentPolicy', 'cards']);
}

export function useAgentTokenPages(agentId: string) {
  const { client } = useSession();
  return useCursorPages(['agentTokens', agentId], async (cursor) =>
    expectData(await client.GET('/v1/agents/{id}/tokens', { params: { path: { id: agentId }, query: { limit: 20, ...definedOnly({ cursor }) } } })),
  );
}

export function useCreateAgentToken() {
  const { client } = useSession();
  return useApiMutation(
    async ({ agentId, name }: { agentId: string; name: string }) => expectData(await client.POST('/v1/agents/{id}/tokens', { params: { path: { id: agentId } }, body: { name } })),
    ['agentTokens'],
  );
}

export function useRevokeAgentToken() {
  const { client } = useSession();
  return useApiMutation(
    async ({ agentId, tokenId }: { agentId: string; tokenId: string }) =>
      expectData(await client.DELETE('/v1/agents/{id}/tokens/{tokenId}', { params: { path: { id: agentId, tokenId } } })),
    ['agentTokens'],
  );
}
