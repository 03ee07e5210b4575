// Transactions: filtered lists, one transaction, and the approved spend per agent per day the overview charts.
import { useQuery } from '@tanstack/react-query';
import { useSession } from '../session';
import { expectData } from './client';
import { definedOnly, useCursorPages } from './query';
import type { Transaction, TransactionStatus } from './types';

export interface TransactionFilter {
  status?: TransactionStatus;
  cardId?: string;
  agentId?: string;
  userId?: string;
  from?: string;
  to?: string;
}

export function useTransactionPages(filter: TransactionFilter, limit = 20) {
  const { client } = useSession();
  return useCursorPages(['transactions', 'list', filter, limit], async (cursor) =>
    expectData(await client.GET('/v1/transactions', { params: { query: { limit, ...definedOnly({ cursor, ...filter }) } } })),
  );
}

export function useTransaction(id: string) {
  const { client } = useSession();
  return useQuery({ queryKey: ['transactions', id], queryFn: async () => expectData(await client.GET('/v1/transactions/{id}', { params: { path: { id } } })) });
}

/** The chart is read again this often (not on every authorization: it reads up to 500 transactions). */
const spendRefreshMs = 60_000;

/** At most this many pages of 100 are read for the chart; the chart says when it stopped short. */
const spendPagesMax = 5;

export interface SpendWindow {
  transactions: Transaction[];
  /** True when the window held more transactions than were read. */
  truncated: boolean;
}

/** The transactions created in the last `days` days (newest first, bounded), for the spend chart. */
export function useSpendWindow(days: number) {
  const { client } = useSession();
  return useQuery({
    queryKey: ['spend', days],
    staleTime: spendRefreshMs,
    refetchInterval: spendRefreshMs,
    queryFn: async (): Promise<SpendWindow> => {
      const from = new Date(Date.now() - days * 24 * 3600 * 1000).toISOString();
      const transactions: Transaction[] = [];
      let cursor: string | undefined;
      for (let page = 0; page < spendPagesMax; page += 1) {
        const answer = expectData(await client.GET('/v1/transactions', { params: { query: { limit: 100, from, ...definedOnly({ cursor }) } } }));
        transactions.push(...answer.data);
        if (!answer.hasMore || answer.nextCursor === null) return { transactions, truncated: false };
        cursor = answer.nextCursor;
      }
      return { transactions, truncated: true };
    },
  });
}
