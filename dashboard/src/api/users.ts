// Users, their balances and deposits, and KYC: verification links, the sandbox provider's outcome and the
// operator's decision (POST /v1/users/{id}/verification/decision).
import { useQuery } from '@tanstack/react-query';
import { useSession } from '../session';
import { expectData } from './client';
import { useApiMutation, useCursorPages } from './query';
import type { ApplicationStatus } from './types';

const page = (cursor: string | undefined, limit = 20) => ({ limit, ...(cursor === undefined ? {} : { cursor }) });

export function useUserPages(limit = 20) {
  const { client } = useSession();
  return useCursorPages(['users', { limit }], async (cursor) => expectData(await client.GET('/v1/users', { params: { query: page(cursor, limit) } })));
}

export function useUser(id: string) {
  const { client } = useSession();
  return useQuery({ queryKey: ['users', id], queryFn: async () => expectData(await client.GET('/v1/users/{id}', { params: { path: { id } } })) });
}

export function useBalance(userId: string) {
  const { client } = useSession();
  return useQuery({ queryKey: ['balances', userId], queryFn: async () => expectData(await client.GET('/v1/balances/{userId}', { params: { path: { userId } } })) });
}

export function useDepositPages(userId: string) {
  const { client } = useSession();
  return useCursorPages(['deposits', userId], async (cursor) =>
    expectData(await client.GET('/v1/users/{id}/deposits', { params: { path: { id: userId }, query: page(cursor, 10) } })),
  );
}

export function useVerification(userId: string) {
  const { client } = useSession();
  return useQuery({
    queryKey: ['verification', userId],
    queryFn: async () => expectData(await client.GET('/v1/verification/user/{userId}', { params: { path: { userId } } })),
  });
}

export function useCreateUser() {
  const { client } = useSession();
  return useApiMutation(
    async (input: { firstName: string; lastName: string; email: string }) => expectData(await client.POST('/v1/users', { body: input })),
    ['users'],
  );
}

/** A verification link: the first one (POST /v1/verification/user) or a fresh one for a user who has one (…/link). */
export function useVerificationLink() {
  const { client } = useSession();
  return useApiMutation(async ({ userId, regenerate }: { userId: string; regenerate: boolean }) => {
    if (regenerate) return expectData(await client.GET('/v1/verification/user/{userId}/link', { params: { path: { userId } } }));
    return expectData(await client.POST('/v1/verification/user', { body: { userId } }));
  }, ['verification', 'users']);
}

export function useDecideVerification() {
  const { client } = useSession();
  return useApiMutation(
    async ({ userId, outcome, reason }: { userId: string; outcome: 'approved' | 'rejected'; reason?: string }) =>
      expectData(await client.POST('/v1/users/{id}/verification/decision', { params: { path: { id: userId } }, body: { outcome, ...(reason === undefined ? {} : { reason }) } })),
    ['users', 'verification'],
  );
}

export type SandboxOutcome = Exclude<ApplicationStatus, 'notStarted'>;

export function useSandboxVerificationOutcome() {
  const { client } = useSession();
  return useApiMutation(
    async ({ userId, outcome }: { userId: string; outcome: SandboxOutcome }) =>
      expectData(await client.POST('/v1/sandbox/users/{id}/verification', { params: { path: { id: userId } }, body: { outcome } })),
    ['users', 'verification'],
  );
}
