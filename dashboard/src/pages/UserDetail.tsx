// One user: identity, balance, KYC (verification link, the sandbox provider's outcome, the operator's decision),
// their agents, cards and deposits.
import { useState, type FormEvent } from 'react';
import { Link } from 'wouter';
import { useAgentPages } from '../api/agents';
import { useCardPages } from '../api/cards';
import type { ApplicationStatus, VerificationLink } from '../api/types';
import { useBalance, useDecideVerification, useDepositPages, useSandboxVerificationOutcome, useUser, useVerification, useVerificationLink, type SandboxOutcome } from '../api/users';
import { Empty, ErrorMessage, Loading, StatusBadge } from '../components/feedback';
import { formatCents, formatTime, optionalText, words } from '../components/format';
import { SelectField, TextField } from '../components/Form';
import { IdLink } from '../components/IdLink';
import { Pager } from '../components/Pager';
import { RegisterAgentForm } from '../components/RegisterAgentForm';
import { CopyButton } from '../components/Secret';
import { usePageTitle } from '../components/usePageTitle';
import { useSession } from '../session';

/** SPEC §4: the operator decides a user the provider left in these states. */
const awaitingDecision: readonly ApplicationStatus[] = ['manualReview', 'documentRequired'];

function Verification({ userId }: { userId: string }) {
  const verification = useVerification(userId);
  const link = useVerificationLink();
  const [created, setCreated] = useState<VerificationLink | undefined>(undefined);
  const status = verification.data;
  const hasLink = status?.expiresAt !== null && status?.expiresAt !== undefined;

  return (
    <section className="panel" aria-labelledby="verification-heading">
      <h2 id="verification-heading">Verification (KYC)</h2>
      {verification.isPending ? <Loading what="verification" /> : null}
      <ErrorMessage error={verification.error} />
      {status === undefined ? null : (
        <dl className="facts">
          <dt>Status</dt>
          <dd>
            <StatusBadge status={status.applicationStatus} />
          </dd>
          {status.rejectionReason === null ? null : (
            <>
              <dt>Rejection reason</dt>
              <dd>{status.rejectionReason}</dd>
            </>
          )}
          <dt>Form submitted</dt>
          <dd>{formatTime(status.submittedAt)}</dd>
          <dt>Link expires</dt>
          <dd>{formatTime(status.expiresAt)}</dd>
          {status.decision === null ? null : (
            <>
              <dt>Operator decision</dt>
              <dd>
                {words(status.decision.outcome)} by {status.decision.decidedBy.id} at {formatTime(status.decision.decidedAt)}
                {status.decision.reason === null ? null : `: ${status.decision.reason}`}
              </dd>
            </>
          )}
        </dl>
      )}
      <div className="actions">
        <button type="button" onClick={() => link.mutate({ userId, regenerate: hasLink }, { onSuccess: setCreated })} disabled={link.isPending}>
          {hasLink ? 'Regenerate verification link' : 'Create verification link'}
        </button>
      </div>
      <ErrorMessage error={link.error} />
      {created === undefined ? null : (
        <div className="secret" role="group" aria-label="Verification link">
          <p>
            Send this link to the person; it works until {formatTime(created.expiresAt)}.
          </p>
          <code className="secret-value">{created.verificationUrl}</code>
          <div className="actions">
            <CopyButton text={created.verificationUrl} label="Copy verification link" />
          </div>
        </div>
      )}
    </section>
  );
}

function OperatorDecision({ userId }: { userId: string }) {
  const decide = useDecideVerification();
  const [reason, setReason] = useState('');
  const [decided, setDecided] = useState<string | undefined>(undefined);

  function decideAs(outcome: 'approved' | 'rejected') {
    const text = optionalText(reason);
    decide.mutate({ userId, outcome, ...(text === undefined ? {} : { reason: text }) }, { onSuccess: (user) => setDecided(user.applicationStatus) });
  }

  return (
    <section className="panel" aria-labelledby="decision-heading">
      <h2 id="decision-heading">Operator decision</h2>
      <p>The verification provider could not decide this application. Approve or reject it; the reason is kept with the decision.</p>
      <form className="stack" onSubmit={(event: FormEvent) => event.preventDefault()}>
        <TextField label="Reason" value={reason} onChange={setReason} maxLength={500} hint="Kept with the decision; the rejection reason when rejected." />
        <div className="actions">
          <button type="button" className="primary" onClick={() => decideAs('approved')} disabled={decide.isPending}>
            Approve application
          </button>
          <button type="button" className="danger" onClick={() => decideAs('rejected')} disabled={decide.isPending}>
            Reject application
          </button>
        </div>
      </form>
      <ErrorMessage error={decide.error} />
      {decided === undefined ? null : (
        <p className="notice" role="status">
          Decision recorded: {words(decided)}.
        </p>
      )}
    </section>
  );
}

const sandboxOutcomes: SandboxOutcome[] = ['approved', 'rejected', 'manualReview', 'documentRequired', 'pending'];

function SandboxOutcomeForm({ userId }: { userId: string }) {
  const setOutcome = useSandboxVerificationOutcome();
  const [outcome, setOutcomeValue] = useState<SandboxOutcome>('approved');
  return (
    <section className="panel" aria-labelledby="sandbox-kyc-heading">
      <h2 id="sandbox-kyc-heading">Sandbox KYC provider</h2>
      <p className="small">In the sandbox the provider's answer can be chosen, as a real provider would send it.</p>
      <form
        className="inline"
        onSubmit={(event: FormEvent) => {
          event.preventDefault();
          setOutcome.mutate({ userId, outcome });
        }}
      >
        <SelectField label="Provider outcome" value={outcome} onChange={(value) => setOutcomeValue(value as SandboxOutcome)} options={sandboxOutcomes.map((value) => ({ value, label: words(value) }))} />
        <button type="submit" disabled={setOutcome.isPending}>
          Send provider outcome
        </button>
      </form>
      <ErrorMessage error={setOutcome.error} />
    </section>
  );
}

function UserAgents({ userId }: { userId: string }) {
  const agents = useAgentPages({ userId }, 10);
  return (
    <section className="panel" aria-labelledby="user-agents-heading">
      <h2 id="user-agents-heading">Agents</h2>
      <ErrorMessage error={agents.query.error} />
      {agents.query.data?.data.length === 0 ? <Empty>No agents.</Empty> : null}
      <ul className="plain">
        {agents.query.data?.data.map((agent) => (
          <li key={agent.id}>
            <IdLink kind="agent" id={agent.id}>{agent.name}</IdLink> <StatusBadge status={agent.status} /> limit {formatCents(agent.spendingLimit)} {words(agent.spendingLimitFrequency)}
          </li>
        ))}
      </ul>
      <Pager pages={agents} label="the user's agents" />
    </section>
  );
}

function UserCards({ userId }: { userId: string }) {
  const cards = useCardPages({ userId }, 10);
  return (
    <section className="panel" aria-labelledby="user-cards-heading">
      <h2 id="user-cards-heading">Cards</h2>
      <ErrorMessage error={cards.query.error} />
      {cards.query.data?.data.length === 0 ? <Empty>No cards.</Empty> : null}
      <ul className="plain">
        {cards.query.data?.data.map((card) => (
          <li key={card.id}>
            <IdLink kind="card" id={card.id}>{`•••• ${card.last4}`}</IdLink> {card.purpose} <StatusBadge status={card.status} /> max {formatCents(card.maxAmount)}
          </li>
        ))}
      </ul>
      <Pager pages={cards} label="the user's cards" />
    </section>
  );
}

function Deposits({ userId }: { userId: string }) {
  const deposits = useDepositPages(userId);
  return (
    <section className="panel" aria-labelledby="deposits-heading">
      <h2 id="deposits-heading">Deposits</h2>
      <ErrorMessage error={deposits.query.error} />
      {deposits.query.data?.data.length === 0 ? <Empty>No deposits.</Empty> : null}
      {deposits.query.data !== undefined && deposits.query.data.data.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Network</th>
              <th scope="col">Token</th>
              <th scope="col" className="number">Credited</th>
              <th scope="col">Status</th>
              <th scope="col">Time</th>
            </tr>
          </thead>
          <tbody>
            {deposits.query.data.data.map((deposit) => (
              <tr key={deposit.id}>
                <td>{deposit.network}</td>
                <td>{deposit.token}</td>
                <td className="number">{formatCents(deposit.amountCents)}</td>
                <td>
                  <StatusBadge status={deposit.status} />
                  {deposit.rejectionReason === null ? null : <div className="small">{deposit.rejectionReason}</div>}
                </td>
                <td>{formatTime(deposit.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <Pager pages={deposits} label="deposits" />
    </section>
  );
}

export function UserDetail({ id }: { id: string }) {
  const { environment } = useSession();
  const user = useUser(id);
  const balance = useBalance(id);
  usePageTitle(user.data === undefined ? 'User' : `${user.data.firstName} ${user.data.lastName}`);

  if (user.isPending) return <Loading what="the user" />;
  if (user.isError) {
    return (
      <>
        <h1>User</h1>
        <ErrorMessage error={user.error} />
      </>
    );
  }
  const current = user.data;
  return (
    <>
      <h1>
        {current.firstName} {current.lastName}
      </h1>
      <div className="grid">
        <section className="panel" aria-labelledby="user-heading">
          <h2 id="user-heading">User</h2>
          <dl className="facts">
            <dt>Id</dt>
            <dd className="id">{current.id}</dd>
            <dt>Email</dt>
            <dd>{current.email}</dd>
            <dt>KYC status</dt>
            <dd>
              <StatusBadge status={current.applicationStatus} />
            </dd>
            <dt>Created</dt>
            <dd>{formatTime(current.createdAt)}</dd>
          </dl>
          <p>
            <Link href={`/transactions?userId=${encodeURIComponent(current.id)}`}>Transactions of this user</Link>
          </p>
        </section>
        <section className="panel" aria-labelledby="balance-heading">
          <h2 id="balance-heading">Balance</h2>
          <ErrorMessage error={balance.error} />
          {balance.data === undefined ? null : (
            <dl className="facts">
              <dt>Total</dt>
              <dd>{formatCents(balance.data.total)}</dd>
              <dt>Pending</dt>
              <dd>{formatCents(balance.data.pending)}</dd>
              <dt>Reserved by cards</dt>
              <dd>{formatCents(balance.data.reserved)}</dd>
              <dt>Available</dt>
              <dd>{formatCents(balance.data.available)}</dd>
            </dl>
          )}
        </section>
        <Verification userId={id} />
        {awaitingDecision.includes(current.applicationStatus) ? <OperatorDecision userId={id} /> : null}
        {environment === 'sandbox' ? <SandboxOutcomeForm userId={id} /> : null}
        <UserAgents userId={id} />
        <UserCards userId={id} />
        <Deposits userId={id} />
      </div>
      {current.applicationStatus === 'approved' ? <RegisterAgentForm userId={id} /> : null}
    </>
  );
}
