import { usePageTitle } from '../components/usePageTitle';

export function IntentDetail({ id }: { id: string }) {
  usePageTitle('Intent ' + id);
  return <h1>Intent {id}</h1>;
}
