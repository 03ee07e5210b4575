// A link to the screen of an object the API names by id (cards/card_…, agents/agent_…).
import { Link } from 'wouter';

const screens = {
  user: '/users',
  agent: '/agents',
  card: '/cards',
  intent: '/intents',
  transaction: '/transactions',
  webhook: '/webhooks',
} as const;

export type LinkedObject = keyof typeof screens;

export function IdLink({ kind, id, children }: { kind: LinkedObject; id: string | null | undefined; children?: string }) {
  if (id === null || id === undefined) return <span className="muted">—</span>;
  return (
    <Link href={`${screens[kind]}/${encodeURIComponent(id)}`} className="id">
      {children ?? id}
    </Link>
  );
}
