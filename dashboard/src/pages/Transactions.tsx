import { usePageTitle } from '../components/usePageTitle';

export function Transactions() {
  usePageTitle('Transactions');
  return <h1>Transactions</h1>;
}
