// The sandbox network and clock (sandbox keys only): a merchant authorizing, clearing, voiding and refunding,
// 3-D Secure completion, stablecoin deposits and moving the environment's clock forward.
import { useQuery } from '@tanstack/react-query';
import { useSession } from '../session';
import { expectData } from './client';
import { useApiMutation } from './query';
import type { RequestBody } from './types';

/** Everything a simulated network event can change. */
const networkRoots = ['transactions', 'spend', 'balances', 'cards', 'agents', 'agentPolicy', 'intents', 'alerts'] as const;

export function useSandboxClock(enabled: boolean) {
  const { client } = useSession();
  return useQuery({ queryKey: ['sandboxClock'], enabled, queryFn: async () => expectData(await client.GET('/v1/sandbox/clock')) });
}

export function useAdvanceClock() {
  const { client } = useSession();
  return useApiMutation(async (seconds: number) => expectData(await client.POST('/v1/sandbox/clock/advance', { body: { seconds } })), ['sandboxClock', ...networkRoots, 'deposits', 'deliveries']);
}

export function useAuthorize() {
  const { client } = useSession();
  return useApiMutation(async (body: RequestBody<'simulateAuthorization'>) => expectData(await client.POST('/v1/sandbox/authorizations', { body })), networkRoots);
}

export function useCompleteChallenge() {
  const { client } = useSession();
  return useApiMutation(
    async ({ id, otp }: { id: string; otp: string }) => expectData(await client.POST('/v1/sandbox/challenges/{id}/complete', { params: { path: { id } }, body: { otp } })),
    networkRoots,
  );
}

export type TransactionAction = 'clear' | 'void' | 'refund';

export function useTransactionAction() {
  const { client } = useSession();
  return useApiMutation(async ({ id, action, amount }: { id: string; action: TransactionAction; amount?: number }) => {
    const path = { params: { path: { id } } };
    const body = amount === undefined ? {} : { amount };
    if (action === 'clear') return expectData(await client.POST('/v1/sandbox/transactions/{id}/clear', { ...path, body }));
    if (action === 'refund') return expectData(await client.POST('/v1/sandbox/transactions/{id}/refund', { ...path, body }));
    return expectData(await client.POST('/v1/sandbox/transactions/{id}/void', path));
  }, networkRoots);
}

export function useSandboxDeposit() {
  const { client } = useSession();
  return useApiMutation(async (body: RequestBody<'simulateDeposit'>) => expectData(await client.POST('/v1/sandbox/deposits', { body })), ['balances', 'deposits']);
}
