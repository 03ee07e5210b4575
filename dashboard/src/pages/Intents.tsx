import { usePageTitle } from '../components/usePageTitle';

export function Intents() {
  usePageTitle('Intents');
  return <h1>Intents</h1>;
}
