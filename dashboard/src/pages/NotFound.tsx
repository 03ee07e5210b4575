import { Link } from 'wouter';
import { usePageTitle } from '../components/usePageTitle';

export function NotFound() {
  usePageTitle('Not found');
  return (
    <>
      <h1>No such screen</h1>
      <p>
        This address is not a screen of the dashboard. <Link href="/">Go to the overview</Link>.
      </p>
    </>
  );
}
