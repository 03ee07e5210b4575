import { usePageTitle } from '../components/usePageTitle';

export function Risk() {
  usePageTitle('Risk');
  return <h1>Risk</h1>;
}
