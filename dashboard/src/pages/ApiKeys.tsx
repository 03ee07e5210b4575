import { usePageTitle } from '../components/usePageTitle';

export function ApiKeys() {
  usePageTitle('API keys');
  return <h1>API keys</h1>;
}
