// The frame of every screen once signed in: the header (environment always visible, live-update state, sign
// out), the navigation, and the main region the screen renders into.
import type { ReactNode } from 'react';
import { Link, useLocation } from 'wouter';
import { useOrganization } from '../api/organization';
import type { LiveState } from '../api/live';
import { useSession, useSessionState } from '../session';

const navigation: Array<{ href: string; label: string; sandboxOnly?: boolean }> = [
  { href: '/', label: 'Overview' },
  { href: '/users', label: 'Users & KYC' },
  { href: '/agents', label: 'Agents' },
  { href: '/cards', label: 'Cards' },
  { href: '/intents', label: 'Intents' },
  { href: '/transactions', label: 'Transactions' },
  { href: '/risk', label: 'Risk' },
  { href: '/webhooks', label: 'Webhooks' },
  { href: '/api-keys', label: 'API keys' },
  { href: '/sandbox', label: 'Sandbox', sandboxOnly: true },
];

const liveText: Record<LiveState, string> = {
  connecting: 'Live updates: connecting',
  live: 'Live updates: on',
  reconnecting: 'Live updates: reconnecting',
};

function isCurrent(location: string, href: string): boolean {
  return href === '/' ? location === '/' : location === href || location.startsWith(`${href}/`);
}

export function Layout({ live, children }: { live: LiveState; children: ReactNode }) {
  const { environment } = useSession();
  const { signOut } = useSessionState();
  const organization = useOrganization();
  const [location] = useLocation();

  return (
    <div className={`shell env-${environment}`}>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">cardrail</span>
        <span className={`environment environment-${environment}`} aria-label={`Environment: ${environment}`}>
          {environment === 'live' ? 'Live' : 'Sandbox'}
        </span>
        <span className="organization">{organization.data?.name ?? ''}</span>
        <span className={`live live-${live}`} role="status">
          {liveText[live]}
        </span>
        <button type="button" onClick={() => signOut()}>
          Sign out
        </button>
      </header>
      <nav className="sidebar" aria-label="Dashboard">
        <ul>
          {navigation
            .filter((item) => item.sandboxOnly !== true || environment === 'sandbox')
            .map((item) => (
              <li key={item.href}>
                <Link href={item.href} aria-current={isCurrent(location, item.href) ? 'page' : undefined}>
                  {item.label}
                </Link>
              </li>
            ))}
        </ul>
      </nav>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
