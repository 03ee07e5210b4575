// Overview: balances across users, spend per agent over time, recent transactions, open risk alerts, intents
// awaiting approval and webhook failures of the last 24 hours: each block what one API list answers.
import { useMemo } from 'react';
import { Link } from 'wouter';
import { useAgentPages } from '../api/agents';
import { useIntentPages } from '../api/intents';
import { useAlertPages } from '../api/risk';
import { useSpendWindow, useTransactionPages } from '../api/transactions';
import type { User } from '../api/types';
import { useBalance, useUserPages } from '../api/users';
import { useRecentWebhookFailures } from '../api/webhooks';
import { Empty, ErrorMessage, Loading, StatusBadge } from '../components/feedback';
import { formatCents, formatTime, words } from '../components/format';
import { IdLink } from '../components/IdLink';
import { Pager } from '../components/Pager';
import { SpendChart, spendSeries } from '../components/SpendChart';
import { TransactionRows } from '../components/TransactionRows';
import { usePageTitle } from '../components/usePageTitle';

const chartDays = 7;

function BalanceRow({ user }: { user: User }) {
  const balance = useBalance(user.id);
  return (
    <tr>
      <th scope="row">
        <IdLink kind="user" id={user.id}>{`${user.firstName} ${user.lastName}`}</IdLink>
      </th>
      <td>
        <StatusBadge status={user.applicationStatus} />
      </td>
      {balance.isError ? (
        <td colSpan={4}>
          <ErrorMessage error={balance.error} />
        </td>
      ) : (
        <>
          <td className="number">{formatCents(balance.data?.total)}</td>
          <td className="number">{formatCents(balance.data?.pending)}</td>
          <td className="number">{formatCents(balance.data?.reserved)}</td>
          <td className="number">{formatCents(balance.data?.available)}</td>
        </>
      )}
    </tr>
  );
}

function Balances() {
  // Each user's balance is one more read: a short page keeps the overview within a live key's rate limit.
  const users = useUserPages(5);
  return (
    <section aria-labelledby="balances-heading" className="panel">
      <h2 id="balances-heading">Balances</h2>
      {users.query.isPending ? <Loading what="users" /> : null}
      <ErrorMessage error={users.query.error} />
      {users.query.data?.data.length === 0 ? <Empty>No users yet.</Empty> : null}
      {users.query.data !== undefined && users.query.data.data.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col">KYC</th>
              <th scope="col" className="number">Total</th>
              <th scope="col" className="number">Pending</th>
              <th scope="col" className="number">Reserved</th>
              <th scope="col" className="number">Available</th>
            </tr>
          </thead>
          <tbody>
            {users.query.data.data.map((user) => (
              <BalanceRow key={user.id} user={user} />
            ))}
          </tbody>
        </table>
      ) : null}
      <Pager pages={users} label="balances" />
    </section>
  );
}

function SpendPerAgent() {
  const spend = useSpendWindow(chartDays);
  const agents = useAgentPages({}, 100);
  const series = useMemo(() => {
    if (spend.data === undefined) return undefined;
    const names = new Map((agents.query.data?.data ?? []).map((agent) => [agent.id, agent.name] as const));
    return spendSeries(spend.data.transactions, chartDays, Date.now(), names);
  }, [spend.data, agents.query.data]);
  return (
    <section aria-labelledby="spend-heading" className="panel wide">
      <h2 id="spend-heading">Spend per agent, last {chartDays} days</h2>
      {spend.isPending ? <Loading what="spend" /> : null}
      <ErrorMessage error={spend.error} />
      {series === undefined ? null : <SpendChart series={series} />}
      {spend.data?.truncated === true ? <p className="muted">Only the most recent transactions of the period are counted.</p> : null}
    </section>
  );
}

function RecentTransactions() {
  const transactions = useTransactionPages({}, 10);
  return (
    <section aria-labelledby="recent-transactions-heading" className="panel wide">
      <h2 id="recent-transactions-heading">Recent transactions</h2>
      {transactions.query.isPending ? <Loading what="transactions" /> : null}
      <ErrorMessage error={transactions.query.error} />
      {transactions.query.data?.data.length === 0 ? <Empty>No transactions yet.</Empty> : null}
      {transactions.query.data !== undefined && transactions.query.data.data.length > 0 ? <TransactionRows transactions={transactions.query.data.data} label="Recent transactions" /> : null}
      <p>
        <Link href="/transactions">All transactions</Link>
      </p>
    </section>
  );
}

function OpenAlerts() {
  const alerts = useAlertPages({ status: 'open' }, 5);
  return (
    <section aria-labelledby="alerts-heading" className="panel">
      <h2 id="alerts-heading">Open risk alerts</h2>
      {alerts.query.isPending ? <Loading what="alerts" /> : null}
      <ErrorMessage error={alerts.query.error} />
      {alerts.query.data?.data.length === 0 ? <Empty>No open alerts.</Empty> : null}
      <ul className="plain">
        {alerts.query.data?.data.map((alert) => (
          <li key={alert.id}>
            <strong>{words(alert.rule)}</strong> ({words(alert.outcome)}) — {alert.detail} <span className="muted">{formatTime(alert.createdAt)}</span>{' '}
            {alert.cardId === null ? null : <IdLink kind="card" id={alert.cardId} />}
          </li>
        ))}
      </ul>
      <p>
        <Link href="/risk">All alerts</Link>
      </p>
    </section>
  );
}

function AwaitingApproval() {
  const intents = useIntentPages({ status: 'pending_approval' }, 5);
  return (
    <section aria-labelledby="awaiting-heading" className="panel">
      <h2 id="awaiting-heading">Intents awaiting approval</h2>
      {intents.query.isPending ? <Loading what="intents" /> : null}
      <ErrorMessage error={intents.query.error} />
      {intents.query.data?.data.length === 0 ? <Empty>None waiting.</Empty> : null}
      <ul className="plain">
        {intents.query.data?.data.map((intent) => (
          <li key={intent.id}>
            <IdLink kind="intent" id={intent.id}>{`${formatCents(intent.amount)} at ${intent.merchantText}`}</IdLink> — {intent.summary}
          </li>
        ))}
      </ul>
      <p>
        <Link href="/intents">Approval queue</Link>
      </p>
    </section>
  );
}

function WebhookFailures() {
  const failures = useRecentWebhookFailures();
  return (
    <section aria-labelledby="webhook-failures-heading" className="panel">
      <h2 id="webhook-failures-heading">Webhook failures, last 24 hours</h2>
      {failures.isPending ? <Loading what="webhook deliveries" /> : null}
      <ErrorMessage error={failures.error} />
      {failures.data?.length === 0 ? <Empty>No failed deliveries.</Empty> : null}
      <ul className="plain">
        {failures.data?.slice(0, 10).map(({ endpoint, delivery, attempt }) => (
          <li key={delivery.id}>
            <IdLink kind="webhook" id={endpoint.id}>{endpoint.url}</IdLink>: {delivery.eventType} — {attempt.error} <span className="muted">{formatTime(attempt.attemptedAt)}</span>{' '}
            <StatusBadge status={delivery.status} />
          </li>
        ))}
      </ul>
    </section>
  );
}

export function Overview() {
  usePageTitle('Overview');
  return (
    <>
      <h1>Overview</h1>
      <div className="grid">
        <RecentTransactions />
        <SpendPerAgent />
        <Balances />
        <OpenAlerts />
        <AwaitingApproval />
        <WebhookFailures />
      </div>
    </>
  );
}
