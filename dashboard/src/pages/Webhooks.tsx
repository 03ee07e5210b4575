import { usePageTitle } from '../components/usePageTitle';

export function Webhooks() {
  usePageTitle('Webhooks');
  return <h1>Webhooks</h1>;
}
