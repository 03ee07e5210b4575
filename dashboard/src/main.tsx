// The dashboard's entry: the query cache, the operator's session and the app.
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { SessionProvider } from './session';
import './styles.css';

const queryClient = new QueryClient({
  defaultOptions: {
    // A 4xx will answer the same again; live events and actions refresh what changed.
    queries: { retry: (failures, error) => failures < 2 && !(error instanceof Error && error.name === 'CardrailApiError'), staleTime: 10_000, refetchOnWindowFocus: true },
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
