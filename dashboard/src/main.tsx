// The dashboard's entry: the query cache, the operator's session and the app.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { CardrailApiError } from 'cardrail/sdk';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { SessionProvider } from './session';
import './styles.css';

/** Worth asking again: rate limited (429, the bucket refills), the server failing or restarting, the network. */
function retryable(error: unknown): boolean {
  if (error instanceof CardrailApiError) return error.status === 429 || error.status >= 500;
  return true;
}

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      retry: (failures, error) => failures < 4 && retryable(error),
      retryDelay: (attempt) => Math.min(1_000 * 2 ** attempt, 15_000),
      // Live events and actions refetch what they change; this bounds how old anything else on screen gets.
      staleTime: 10_000,
      refetchOnWindowFocus: true,
    },
  },
});

const root = document.getElementById('root');
if (root === null) throw new Error('#root is missing from index.html');
createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      {/* Nothing fetched with a key that ended stays in memory for the next one. */}
      <SessionProvider onSignOut={() => queryClient.clear()}>
        <App />
      </SessionProvider>
    </QueryClientProvider>
  </StrictMode>,
);
