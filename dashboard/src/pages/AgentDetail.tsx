import { usePageTitle } from '../components/usePageTitle';

export function AgentDetail({ id }: { id: string }) {
  usePageTitle('Agent ' + id);
  return <h1>Agent {id}</h1>;
}
