// The risk engine: alerts (resolve), the organization's settings and presets (with dry run), and the agent and
// card overrides of the cascade organization → agent → card.
import { useQuery } from '@tanstack/react-query';
import { useSession } from '../session';
import { expectData } from './client';
import { definedOnly, useApiMutation, useCursorPages } from './query';
import type { RequestBody, RiskAlert, RiskRuleName } from './types';

export interface AlertFilter {
  status?: RiskAlert['status'];
  rule?: RiskRuleName;
  cardId?: string;
  agentId?: string;
  transactionId?: string;
}

export function useAlertPages(filter: AlertFilter, limit = 20) {
  const { client } = useSession();
  return useCursorPages(['alerts', 'list', filter, limit], async (cursor) =>
    expectData(await client.GET('/v1/risk/alerts', { params: { query: { limit, ...definedOnly({ cursor, ...filter }) } } })),
  );
}

export function useResolveAlert() {
  const { client } = useSession();
  return useApiMutation(
    async ({ id, note }: { id: string; note?: string }) =>
      expectData(await client.POST('/v1/risk/alerts/{id}/resolve', { params: { path: { id } }, body: note === undefined ? {} : { note } })),
    ['alerts'],
  );
}

export function useRiskSettings() {
  const { client } = useSession();
  return useQuery({ queryKey: ['riskSettings'], queryFn: async () => expectData(await client.GET('/v1/settings/risk')) });
}

export function useUpdateRiskSettings() {
  const { client } = useSession();
  return useApiMutation(async (body: RequestBody<'updateRiskSettings'>) => expectData(await client.PATCH('/v1/settings/risk', { body })), ['riskSettings', 'riskOverrides']);
}

export function useApplyRiskPreset() {
  const { client } = useSession();
  return useApiMutation(async (body: RequestBody<'applyRiskPreset'>) => expectData(await client.POST('/v1/settings/risk/preset', { body })), ['riskSettings', 'riskOverrides']);
}

export type OverrideLevel = 'agent' | 'card';

export function useRiskOverrides(level: OverrideLevel, id: string) {
  const { client } = useSession();
  return useQuery({
    queryKey: ['riskOverrides', level, id],
    enabled: id !== '',
    queryFn: async () => {
      const options = { params: { path: { id } } };
      return level === 'agent' ? expectData(await client.GET('/v1/agents/{id}/risk', options)) : expectData(await client.GET('/v1/cards/{id}/risk', options));
    },
  });
}

export function useUpdateRiskOverrides() {
  const { client } = useSession();
  return useApiMutation(async ({ level, id, body }: { level: OverrideLevel; id: string; body: RequestBody<'updateAgentRiskOverrides'> }) => {
    const options = { params: { path: { id } }, body };
    return level === 'agent' ? expectData(await client.PATCH('/v1/agents/{id}/risk', options)) : expectData(await client.PATCH('/v1/cards/{id}/risk', options));
  }, ['riskOverrides']);
}
