// Cards: lists, one card, issuing, freeze / unfreeze / close, and limit changes.
import { useQuery } from '@tanstack/react-query';
import { useSession } from '../session';
import { expectData } from './client';
import { definedOnly, useApiMutation, useCursorPages } from './query';
import type { CardStatus, RequestBody } from './types';

export interface CardFilter {
  status?: CardStatus;
  agentId?: string;
  userId?: string;
}

export function useCardPages(filter: CardFilter, limit = 20) {
  const { client } = useSession();
  return useCursorPages(['cards', 'list', filter, limit], async (cursor) =>
    expectData(await client.GET('/v1/cards', { params: { query: { limit, ...definedOnly({ cursor, ...filter }) } } })),
  );
}

export function useCard(id: string) {
  const { client } = useSession();
  return useQuery({ queryKey: ['cards', id], queryFn: async () => expectData(await client.GET('/v1/cards/{id}', { params: { path: { id } } })) });
}

/** The controls a card is held to now, its credential exposure in force among them (GET /v1/cards/{id}/policy). */
export function useCardPolicy(id: string) {
  const { client } = useSession();
  return useQuery({ queryKey: ['cards', id, 'policy'], queryFn: async () => expectData(await client.GET('/v1/cards/{id}/policy', { params: { path: { id } } })) });
}

export function useCreateCard() {
  const { client } = useSession();
  return useApiMutation(
    async ({ agentId, body }: { agentId: string; body: RequestBody<'createCard'> }) =>
      expectData(await client.POST('/v1/agents/{id}/cards', { params: { path: { id: agentId } }, body })),
    ['cards', 'balances'],
  );
}

export type CardStatusAction = 'freeze' | 'unfreeze' | 'close';

export function useCardStatusAction() {
  const { client } = useSession();
  return useApiMutation(async ({ id, action }: { id: string; action: CardStatusAction }) => {
    const options = { params: { path: { id } } };
    if (action === 'freeze') return expectData(await client.POST('/v1/cards/{id}/freeze', options));
    if (action === 'unfreeze') return expectData(await client.POST('/v1/cards/{id}/unfreeze', options));
    return expectData(await client.POST('/v1/cards/{id}/close', options));
  }, ['cards', 'balances']);
}

export function useUpdateCard() {
  const { client } = useSession();
  return useApiMutation(
    async ({ id, body }: { id: string; body: RequestBody<'updateCard'> }) => expectData(await client.PATCH('/v1/cards/{id}', { params: { path: { id } }, body })),
    ['cards'],
  );
}

export function useCardIntentPages(cardId: string) {
  const { client } = useSession();
  return useCursorPages(['intents', 'card', cardId], async (cursor) =>
    expectData(await client.GET('/v1/cards/{id}/intents', { params: { path: { id: cardId }, query: { limit: 10, ...definedOnly({ cursor }) } } })),
  );
}
