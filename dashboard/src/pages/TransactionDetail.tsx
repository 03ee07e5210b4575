import { usePageTitle } from '../components/usePageTitle';

export function TransactionDetail({ id }: { id: string }) {
  usePageTitle('Transaction ' + id);
  return <h1>Transaction {id}</h1>;
}
