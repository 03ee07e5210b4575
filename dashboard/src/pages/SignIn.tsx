// Sign in with an API key: the key is checked against the API (GET /v1/organization) and kept for this tab only.
import { useState, type FormEvent } from 'react';
import { createDashboardClient, describeError, expectData, refusalAwareFetch } from '../api/client';
import { useSessionState } from '../session';

export function SignIn() {
  const { signIn, endedBecause } = useSessionState();
  const [apiKey, setApiKey] = useState('');
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const [checking, setChecking] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const key = apiKey.trim();
    if (key === '') {
      setProblem('Enter an API key (lk_dev_… for the sandbox, lk_live_… for live).');
      return;
    }
    setChecking(true);
    setProblem(undefined);
    try {
      const client = createDashboardClient(key, refusalAwareFetch(undefined));
      expectData(await client.GET('/v1/organization'));
      signIn(key);
    } catch (error) {
      const { message, code } = describeError(error);
      setProblem(code === undefined ? message : `${message} (${code})`);
    } finally {
      setChecking(false);
    }
  }

  return (
    <main id="main" className="sign-in">
      <h1>Sign in to the cardrail dashboard</h1>
      {endedBecause === undefined ? null : (
        <div className="error" role="alert">
          <strong>You were signed out:</strong> {endedBecause}
        </div>
      )}
      <form onSubmit={submit}>
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          name="apiKey"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={apiKey}
          onChange={(event) => setApiKey(event.target.value)}
          aria-describedby="api-key-help"
        />
        <p id="api-key-help" className="muted">
          An organization API key: <code>lk_dev_…</code> signs in to the sandbox, <code>lk_live_…</code> to live. It is kept in this browser tab only
          and forgotten when the tab closes.
        </p>
        {problem === undefined ? null : (
          <div className="error" role="alert">
            {problem}
          </div>
        )}
        <button type="submit" className="primary" disabled={checking}>
          {checking ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
