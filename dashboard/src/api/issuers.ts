// The issuer choice of the signed-in key's environment: where new cards are issued, and which issuers this server
// has a program for (GET / PATCH /v1/settings/issuer).
import { useQuery } from '@tanstack/react-query';
import { useSession } from '../session';
import { expectData } from './client';
import { useApiMutation } from './query';
import type { IssuerName } from './types';

export function useIssuerSettings() {
  const { client } = useSession();
  return useQuery({ queryKey: ['issuerSettings'], queryFn: async () => expectData(await client.GET('/v1/settings/issuer')) });
}

export function useUpdateIssuerSettings() {
  const { client } = useSession();
  return useApiMutation(async (issuer: IssuerName) => expectData(await client.PATCH('/v1/settings/issuer', { body: { issuer } })), ['issuerSettings']);
}
