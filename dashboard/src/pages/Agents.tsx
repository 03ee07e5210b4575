import { usePageTitle } from '../components/usePageTitle';

export function Agents() {
  usePageTitle('Agents');
  return <h1>Agents</h1>;
}
