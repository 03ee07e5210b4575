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
import { PagedList } from '../components/PagedList';
import { Panel } from '../components/Panel';
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
    <Panel headingId="balances-heading" heading="Balances">
      <PagedList pages={users} loadingWhat="users" empty="No users yet." pagerLabel="balances">
        {(rows) => (
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
              {rows.map((user) => (
                <BalanceRow key={user.id} user={user} />
              ))}
            </tbody>
          </table>
        )}
      </PagedList>
    </Panel>
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
    <Panel headingId="spend-heading" heading={`Spend per agent, last ${chartDays} days`} wide>
      {spend.isPending ? <Loading what="spend" /> : null}
      <ErrorMessage error={spend.error} />
      {series === undefined ? null : <SpendChart series={series} />}
      {spend.data?.truncated === true ? <p className="muted">Only the most recent transactions of the period are counted.</p> : null}
    </Panel>
  );
}

function RecentTransactions() {
  const transactions = useTransactionPages({}, 10);
  return (
    <Panel headingId="recent-transactions-heading" heading="Recent transactions" wide>
      <PagedList pages={transactions} loadingWhat="transactions" empty="No transactions yet.">
        {(rows) => <TransactionRows transactions={rows} label="Recent transactions" />}
      </PagedList>
      <p>
        <Link href="/transactions">All transactions</Link>
      </p>
    </Panel>
  );
}

function OpenAlerts() {
  const alerts = useAlertPages({ status: 'open' }, 5);
  return (
    <Panel headingId="alerts-heading" heading="Open risk alerts">
      <PagedList pages={alerts} loadingWhat="alerts" empty="No open alerts.">
        {(rows) => (
          <ul className="plain">
            {rows.map((alert) => (
              <li key={alert.id}>
                <strong>{words(alert.rule)}</strong> ({words(alert.outcome)}) — {alert.detail} <span className="muted">{formatTime(alert.createdAt)}</span>{' '}
                {alert.cardId === null ? null : <IdLink kind="card" id={alert.cardId} />}
              </li>
            ))}
          </ul>
        )}
      </PagedList>
      <p>
        <Link href="/risk">All alerts</Link>
      </p>
    </Panel>
  );
}

function AwaitingApproval() {
  const intents = useIntentPages({ status: 'pending_approval' }, 5);
  return (
    <Panel headingId="awaiting-heading" heading="Intents awaiting approval">
      <PagedList pages={intents} loadingWhat="intents" empty="None waiting.">
        {(rows) => (
          <ul className="plain">
            {rows.map((intent) => (
              <li key={intent.id}>
                <IdLink kind="intent" id={intent.id}>{`${formatCents(intent.amount)} at ${intent.merchantText}`}</IdLink> — {intent.summary}
              </li>
            ))}
          </ul>
        )}
      </PagedList>
      <p>
        <Link href="/intents">Approval queue</Link>
      </p>
    </Panel>
  );
}

function WebhookFailures() {
  const failures = useRecentWebhookFailures();
  return (
    <Panel headingId="webhook-failures-heading" heading="Webhook failures, last 24 hours">
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
    </Panel>
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
