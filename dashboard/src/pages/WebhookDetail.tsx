import { usePageTitle } from '../components/usePageTitle';

export function WebhookDetail({ id }: { id: string }) {
  usePageTitle('Webhook endpoint ' + id);
  return <h1>Webhook endpoint {id}</h1>;
}
