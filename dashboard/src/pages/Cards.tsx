import { usePageTitle } from '../components/usePageTitle';

export function Cards() {
  usePageTitle('Cards');
  return <h1>Cards</h1>;
}
