// Shared TanStack Query pieces: the query-key roots (what live events invalidate), cursor paging over the API's
// lists, and mutations that refresh what they changed.
import { keepPreviousData, useMutation, useQuery, useQueryClient, type UseQueryResult } from '@tanstack/react-query';
import { useState } from 'react';

/** The first element of every query key: one per kind of data the dashboard shows. */
export type QueryRoot =
  | 'organization'
  | 'users'
  | 'verification'
  | 'balances'
  | 'deposits'
  | 'agents'
  | 'agentPolicy'
  | 'agentTokens'
  | 'cards'
  | 'issuerSettings'
  | 'intents'
  | 'transactions'
  | 'spend'
  | 'alerts'
  | 'riskSettings'
  | 'riskOverrides'
  | 'webhooks'
  | 'deliveries'
  | 'events'
  | 'apiKeys'
  | 'sandboxClock';

/** SPEC §3 list answer. */
export interface ListPage<T> {
  object: 'list';
  data: T[];
  hasMore: boolean;
  nextCursor: string | null;
}

export interface CursorPages<T> {
  query: UseQueryResult<ListPage<T>>;
  pageNumber: number;
  next: (() => void) | undefined;
  previous: (() => void) | undefined;
}

/**
 * One page of an API list at a time, moving with its `nextCursor` (and back through the cursors already seen);
 * a change of `key` (a filter) starts again at the first page.
 */
export function useCursorPages<T>(key: readonly unknown[], fetchPage: (cursor: string | undefined) => Promise<ListPage<T>>, options: { refetchIntervalMs?: number } = {}): CursorPages<T> {
  const keyText = JSON.stringify(key);
  const [state, setState] = useState<{ keyText: string; cursors: Array<string | undefined> }>({ keyText, cursors: [undefined] });
  const cursors = state.keyText === keyText ? state.cursors : [undefined];
  const cursor = cursors[cursors.length - 1];
  const query = useQuery({
    queryKey: [...key, { cursor: cursor ?? null }],
    queryFn: () => fetchPage(cursor),
    placeholderData: keepPreviousData,
    ...(options.refetchIntervalMs === undefined ? {} : { refetchInterval: options.refetchIntervalMs }),
  });
  const nextCursor = query.data?.hasMore === true && !query.isPlaceholderData ? query.data.nextCursor : null;
  return {
    query,
    pageNumber: cursors.length,
    next: nextCursor === null ? undefined : () => setState({ keyText, cursors: [...cursors, nextCursor] }),
    previous: cursors.length > 1 ? () => setState({ keyText, cursors: cursors.slice(0, -1) }) : undefined,
  };
}

/** A change through the API; on success the data under `roots` is fetched again. */
export function useApiMutation<Input, Output>(run: (input: Input) => Promise<Output>, roots: readonly QueryRoot[]) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: run,
    onSuccess: async () => {
      await Promise.all(roots.map((root) => queryClient.invalidateQueries({ queryKey: [root] })));
    },
  });
}

/** Query parameters without the empty ones (the API refuses unknown or empty filters it does not define). */
export function definedOnly<T extends object>(query: T): Partial<T> {
  return Object.fromEntries(Object.entries(query).filter(([, value]) => value !== undefined && value !== '')) as Partial<T>;
}
