// Live updates: the dashboard follows the organization's events (GET /v1/events/stream through the SDK's
// streamEvents) and fetches again the data each event changes, so screens update without a reload. It resumes
// after a dropped connection from the last event it saw (Last-Event-ID).
import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import * as sdk from 'cardrail/sdk';
import { useEffect, useState } from 'react';
import { useSession } from '../session';
import type { DashboardFetch } from './client';
import type { QueryRoot } from './query';

interface StreamedEvent {
  id: string;
  type: string;
}

type StreamEvents = (options: {
  baseUrl: string;
  credential: string;
  types?: string[];
  lastEventId?: string;
  signal?: AbortSignal;
  fetch?: DashboardFetch;
  onReconnect?: (reconnect: { attempt: number; delayMs: number; error: unknown }) => void;
}) => AsyncIterable<StreamedEvent>;

// cardrail/sdk's streamEvents, looked up when the module loads so the dashboard builds against SDKs with and
// without it; without it, the dashboard says live updates are unavailable.
const streamEvents = (sdk as unknown as { streamEvents?: StreamEvents }).streamEvents;

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

/** Every event is also delivered to the webhook endpoints: their logs change too. */
const alwaysRoots: readonly QueryRoot[] = ['events', 'deliveries'];

/** The data an event changes. */
export function rootsForEvent(type: string): readonly QueryRoot[] {
  const family = type.split('.')[0] ?? '';
  return [...(rootsByFamily[family] ?? []), ...alwaysRoots];
}

/**
 * At most one refetch of each changed list per this interval, however many events arrive: a busy organization's
 * stream must not turn into more reads than the key's rate limit allows (live keys: 100 a minute by default).
 */
const invalidationIntervalMs = 2_000;

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

export type LiveState = 'connecting' | 'live' | 'reconnecting' | 'unavailable';

const retryDelaysMs = [1_000, 2_000, 5_000, 10_000, 15_000];

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
  const [state, setState] = useState<LiveState>(streamEvents === undefined ? 'unavailable' : 'connecting');

  useEffect(() => {
    if (streamEvents === undefined) return;
    const follow = streamEvents;
    const controller = new AbortController();
    const { signal } = controller;
    const batcher = invalidationBatcher(queryClient);
    let opened = 0;
    // The stream is live once the server accepts it; whatever changed before (or while reconnecting) is read again.
    const fetchThrough: DashboardFetch = async (input, init) => {
      const response = await fetch(input, init);
      if (response.ok && !signal.aborted) {
        opened += 1;
        setState('live');
        if (opened > 1) void queryClient.invalidateQueries();
      }
      return response;
    };
    void (async () => {
      let lastEventId: string | undefined;
      let failures = 0;
      while (!signal.aborted) {
        try {
          const events = follow({
            baseUrl: window.location.origin,
            credential: apiKey,
            signal,
            fetch: fetchThrough,
            onReconnect: () => setState('reconnecting'),
            ...(lastEventId === undefined ? {} : { lastEventId }),
          });
          for await (const event of events) {
            failures = 0;
            lastEventId = event.id;
            batcher.add(rootsForEvent(event.type));
          }
        } catch {
          // An answer retrying cannot change (a refused key ends the session through fetch), or the server stopping.
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
