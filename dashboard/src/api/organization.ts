// The signed-in key's organization and its security setting (requireIpAllowlist), and the API keys.
import { useQuery } from '@tanstack/react-query';
import { useSession } from '../session';
import { expectData } from './client';
import { useApiMutation, useCursorPages } from './query';

export function useOrganization() {
  const { client } = useSession();
  return useQuery({ queryKey: ['organization'], queryFn: async () => expectData(await client.GET('/v1/organization')) });
}

export function useUpdateOrganization() {
  const { client } = useSession();
  return useApiMutation(async (requireIpAllowlist: boolean) => expectData(await client.PATCH('/v1/organization', { body: { requireIpAllowlist } })), ['organization']);
}

export function useApiKeyPages() {
  const { client } = useSession();
  return useCursorPages(['apiKeys'], async (cursor) => expectData(await client.GET('/v1/api-keys', { params: { query: { limit: 20, ...(cursor === undefined ? {} : { cursor }) } } })));
}

export function useCreateApiKey() {
  const { client } = useSession();
  return useApiMutation(
    async (input: { name?: string; allowedIps?: string[] }) => expectData(await client.POST('/v1/api-keys', { body: input })),
    ['apiKeys'],
  );
}

export function useRevokeApiKey() {
  const { client } = useSession();
  return useApiMutation(async (id: string) => expectData(await client.DELETE('/v1/api-keys/{id}', { params: { path: { id } } })), ['apiKeys']);
}
