// The screens and their addresses under /dashboard (deep links work: the server answers index.html for them).
import { Route, Router, Switch } from 'wouter';
import { useLiveUpdates } from './api/live';
import { Layout } from './components/Layout';
import { AgentDetail } from './pages/AgentDetail';
import { Agents } from './pages/Agents';
import { ApiKeys } from './pages/ApiKeys';
import { CardDetail } from './pages/CardDetail';
import { Cards } from './pages/Cards';
import { IntentDetail } from './pages/IntentDetail';
import { Intents } from './pages/Intents';
import { NotFound } from './pages/NotFound';
import { Overview } from './pages/Overview';
import { Risk } from './pages/Risk';
import { Sandbox } from './pages/Sandbox';
import { SignIn } from './pages/SignIn';
import { TransactionDetail } from './pages/TransactionDetail';
import { Transactions } from './pages/Transactions';
import { UserDetail } from './pages/UserDetail';
import { Users } from './pages/Users';
import { WebhookDetail } from './pages/WebhookDetail';
import { Webhooks } from './pages/Webhooks';
import { useSessionState } from './session';

function SignedIn() {
  const live = useLiveUpdates();
  return (
    <Layout live={live}>
      <Switch>
        <Route path="/" component={Overview} />
        <Route path="/users" component={Users} />
        <Route path="/users/:id">{(params) => <UserDetail key={params.id} id={params.id} />}</Route>
        <Route path="/agents" component={Agents} />
        <Route path="/agents/:id">{(params) => <AgentDetail key={params.id} id={params.id} />}</Route>
        <Route path="/cards" component={Cards} />
        <Route path="/cards/:id">{(params) => <CardDetail key={params.id} id={params.id} />}</Route>
        <Route path="/intents" component={Intents} />
        <Route path="/intents/:id">{(params) => <IntentDetail key={params.id} id={params.id} />}</Route>
        <Route path="/transactions" component={Transactions} />
        <Route path="/transactions/:id">{(params) => <TransactionDetail key={params.id} id={params.id} />}</Route>
        <Route path="/risk" component={Risk} />
        <Route path="/webhooks" component={Webhooks} />
        <Route path="/webhooks/:id">{(params) => <WebhookDetail key={params.id} id={params.id} />}</Route>
        <Route path="/api-keys" component={ApiKeys} />
        <Route path="/sandbox" component={Sandbox} />
        <Route component={NotFound} />
      </Switch>
    </Layout>
  );
}

export function App() {
  const { session } = useSessionState();
  return <Router base="/dashboard">{session === undefined ? <SignIn /> : <SignedIn key={session.apiKey} />}</Router>;
}
