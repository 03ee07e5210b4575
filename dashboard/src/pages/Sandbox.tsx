import { usePageTitle } from '../components/usePageTitle';

export function Sandbox() {
  usePageTitle('Sandbox');
  return <h1>Sandbox</h1>;
}
