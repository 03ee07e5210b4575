// Live updates: the dashboard follows the organization's events (GET /v1/events/stream through the SDK's
// streamEvents) and fetches again the data each event changes, so screens update without a reload. It resumes
// after a dropped connection from the last event it saw (Last-Event-ID).
import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { streamEvents } from 'cardrail/sdk';
import { useEffect, useState } from 'react';
import { useSession } from '../session';
import type { QueryRoot } from './query';

/** What each family of events changes on screen. */
const rootsByFamily: Record<string, readonly QueryRoot[]> = {
  user: ['users', 'verification', 'balances'],
  deposit: ['balances', 'deposits'],
  withdrawal: ['balances'],
  agent: ['agents', 'agentPolicy', 'cards'],
  card: ['cards', 'balances'],
  intent: ['intents'],
  credential: ['intents'],
  challenge: ['transactions'],
  // The spend chart reads up to 500 transactions: it refreshes on its own timer, not on every authorization.
  transaction: ['transactions', 'balances', 'agentPolicy', 'cards', 'intents'],
  risk: ['alerts', 'cards', 'agents'],
  webhook: ['webhooks', 'deliveries'],
};

/**
 * The data an event changes. Every event is also delivered to webhook endpoints, but delivery logs refresh on their
 * own timer (attempts are not events), not on every event.
 */
export function rootsForEvent(type: string): readonly QueryRoot[] {
  const family = type.split('.')[0] ?? '';
  return rootsByFamily[family] ?? [];
}

/**
 * At most one refetch of each changed list per this interval, however many events arrive: on a busy organization
 * the overview then reads about 8 lists every 5 seconds, within a live key's default limit of 100 reads a minute.
 */
const invalidationIntervalMs = 5_000;

/** Collects the roots events changed and invalidates them together, at most once per interval. */
function invalidationBatcher(queryClient: QueryClient) {
  const pending = new Set<QueryRoot>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastFlushMs = 0;
  const flush = () => {
    timer = undefined;
    lastFlushMs = Date.now();
    for (const root of pending) void queryClient.invalidateQueries({ queryKey: [root] });
    pending.clear();
  };
  return {
    add(roots: readonly QueryRoot[]) {
      for (const root of roots) pending.add(root);
      if (timer !== undefined) return;
      timer = setTimeout(flush, Math.max(0, lastFlushMs + invalidationIntervalMs - Date.now()));
    },
    stop() {
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}

export type LiveState = 'connecting' | 'live' | 'reconnecting';

const retryDelaysMs = [5_000, 15_000, 30_000, 60_000];

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Follows the event stream while the session lasts; answers the connection's state for the header. */
export function useLiveUpdates(): LiveState {
  const { apiKey, fetch } = useSession();
  const queryClient = useQueryClient();
  const [state, setState] = useState<LiveState>('connecting');

  useEffect(() => {
    const controller = new AbortController();
    const { signal } = controller;
    const batcher = invalidationBatcher(queryClient);
    let opened = 0;
    // The stream is live once the server accepts it; whatever changed before a reconnection is read again.
    const onOpen = () => {
      if (signal.aborted) return;
      opened += 1;
      setState('live');
      if (opened > 1) void queryClient.invalidateQueries();
    };
    void (async () => {
      let lastEventId: string | undefined;
      let failures = 0;
      // streamEvents reconnects by itself after a dropped connection (resuming with Last-Event-ID); it ends with an
      // error only for an answer retrying cannot change. A refused key then ends the session through fetch.
      while (!signal.aborted) {
        try {
          const events = streamEvents({
            baseUrl: window.location.origin,
            credential: apiKey,
            signal,
            fetch,
            onOpen,
            onReconnect: () => setState('reconnecting'),
            ...(lastEventId === undefined ? {} : { lastEventId }),
          });
          for await (const event of events) {
            failures = 0;
            lastEventId = event.id;
            batcher.add(rootsForEvent(event.type));
          }
        } catch {
          // refused (403, 404…): try again after a longer pause
        }
        if (signal.aborted) break;
        setState('reconnecting');
        await pause(retryDelaysMs[Math.min(failures, retryDelaysMs.length - 1)]!, signal);
        failures += 1;
      }
    })();
    return () => {
      controller.abort();
      batcher.stop();
    };
  }, [apiKey, fetch, queryClient]);

  return state;
}
