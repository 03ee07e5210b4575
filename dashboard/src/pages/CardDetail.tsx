import { usePageTitle } from '../components/usePageTitle';

export function CardDetail({ id }: { id: string }) {
  usePageTitle('Card ' + id);
  return <h1>Card {id}</h1>;
}
