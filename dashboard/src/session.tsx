// The operator's session: the API key lives in sessionStorage only (gone when the tab closes), the environment
// comes from its prefix, and a refused key (wrong, revoked, expired) ends the session with the API's message.
import { createContext, useCallback, useContext, useMemo, useRef, useState, type ReactNode } from 'react';
import { createDashboardClient, refusalAwareFetch, type DashboardClient, type DashboardFetch } from './api/client';

export type Environment = 'sandbox' | 'live';

const storageKey = 'cardrail.dashboard.apiKey';

/** SPEC §3: `lk_dev_…` keys are sandbox keys, `lk_live_…` keys live ones; anything else is not an API key. */
export function environmentOfKey(apiKey: string): Environment | undefined {
  if (apiKey.startsWith('lk_dev_')) return 'sandbox';
  if (apiKey.startsWith('lk_live_')) return 'live';
  return undefined;
}

export interface Session {
  apiKey: string;
  environment: Environment;
  client: DashboardClient;
  /** fetch for what the typed client does not cover (the event stream); a 401 through it ends the session too. */
  fetch: DashboardFetch;
}

interface SessionState {
  session: Session | undefined;
  /** Why the last session ended, when the API ended it. */
  endedBecause: string | undefined;
  signIn(apiKey: string): Session;
  signOut(reason?: string): void;
}

const SessionContext = createContext<SessionState | undefined>(undefined);

function readStoredKey(): string | undefined {
  try {
    return sessionStorage.getItem(storageKey) ?? undefined;
  } catch {
    return undefined;
  }
}

export function SessionProvider({ children, onSignOut }: { children: ReactNode; onSignOut: () => void }) {
  const currentKey = useRef<string | undefined>(undefined);
  const refusedRef = useRef<(apiKey: string, message: string) => void>(() => {});

  const open = (apiKey: string): Session => {
    // A 401 on any call means the key no longer works (revoked, expired): the session ends with the API's words.
    const fetchThrough = refusalAwareFetch((message) => refusedRef.current(apiKey, message));
    return { apiKey, environment: environmentOfKey(apiKey) ?? 'sandbox', client: createDashboardClient(apiKey, fetchThrough), fetch: fetchThrough };
  };

  // A reload keeps this tab's session.
  const [session, setSession] = useState<Session | undefined>(() => {
    const stored = readStoredKey();
    return stored === undefined ? undefined : open(stored);
  });
  const [endedBecause, setEndedBecause] = useState<string | undefined>(undefined);
  currentKey.current = session?.apiKey;

  const signOut = useCallback(
    (reason?: string) => {
      try {
        sessionStorage.removeItem(storageKey);
      } catch {
        // storage unavailable: nothing was kept
      }
      currentKey.current = undefined;
      setSession(undefined);
      setEndedBecause(reason);
      onSignOut();
    },
    [onSignOut],
  );
  // Only the key in use can end the session: a late answer for a key signed out already changes nothing.
  refusedRef.current = (apiKey, message) => {
    if (currentKey.current === apiKey) signOut(message);
  };

  const signIn = useCallback((apiKey: string): Session => {
    const opened = open(apiKey);
    sessionStorage.setItem(storageKey, apiKey);
    currentKey.current = apiKey;
    setEndedBecause(undefined);
    setSession(opened);
    return opened;
    // open only reads refs
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const value = useMemo<SessionState>(() => ({ session, endedBecause, signIn, signOut }), [session, endedBecause, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSessionState(): SessionState {
  const state = useContext(SessionContext);
  if (state === undefined) throw new Error('useSessionState outside SessionProvider');
  return state;
}

/** The signed-in session; only screens behind the sign-in gate call it. */
export function useSession(): Session {
  const { session } = useSessionState();
  if (session === undefined) throw new Error('useSession without a session');
  return session;
}
