// One user: identity, balance, KYC (verification link, the sandbox provider's outcome, the operator's decision),
// their agents, cards and deposits.
import { useState, type FormEvent } from 'react';
import { Link } from 'wouter';
import { useAgentPages } from '../api/agents';
import type { ApplicationStatus, VerificationLink } from '../api/types';
import { useBalance, useDecideVerification, useDepositPages, useSandboxVerificationOutcome, useUser, useVerification, useVerificationLink, type SandboxOutcome } from '../api/users';
import { DataTable } from '../components/DataTable';
import { DetailScreen } from '../components/DetailScreen';
import { ErrorMessage, Loading, Notice, StatusBadge } from '../components/feedback';
import { formatCents, formatTime, optionalText, words } from '../components/format';
import { SelectField, TextField } from '../components/Form';
import { IdLink } from '../components/IdLink';
import { MutationForm } from '../components/MutationForm';
import { OwnedCardsPanel } from '../components/OwnedCardsPanel';
import { PagedList } from '../components/PagedList';
import { Panel } from '../components/Panel';
import { RegisterAgentForm } from '../components/RegisterAgentForm';
import { CopyButton } from '../components/Secret';
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
    <Panel headingId="verification-heading" heading="Verification (KYC)">
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
    </Panel>
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
    <Panel headingId="decision-heading" heading="Operator decision">
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
      {decided === undefined ? null : <Notice>Decision recorded: {words(decided)}.</Notice>}
    </Panel>
  );
}

const sandboxOutcomes: SandboxOutcome[] = ['approved', 'rejected', 'manualReview', 'documentRequired', 'pending'];

function SandboxOutcomeForm({ userId }: { userId: string }) {
  const setOutcome = useSandboxVerificationOutcome();
  const [outcome, setOutcomeValue] = useState<SandboxOutcome>('approved');
  return (
    <Panel headingId="sandbox-kyc-heading" heading="Sandbox KYC provider">
      <p className="small">In the sandbox the provider's answer can be chosen, as a real provider would send it.</p>
      <MutationForm send={() => setOutcome.mutate({ userId, outcome })} submitLabel="Send provider outcome" pending={setOutcome.isPending} error={setOutcome.error}>
        <SelectField label="Provider outcome" value={outcome} onChange={(value) => setOutcomeValue(value as SandboxOutcome)} options={sandboxOutcomes.map((value) => ({ value, label: words(value) }))} />
      </MutationForm>
    </Panel>
  );
}

function UserAgents({ userId }: { userId: string }) {
  const agents = useAgentPages({ userId }, 10);
  return (
    <Panel headingId="user-agents-heading" heading="Agents">
      <PagedList pages={agents} empty="No agents." pagerLabel="the user's agents">
        {(rows) => (
          <ul className="plain">
            {rows.map((agent) => (
              <li key={agent.id}>
                <IdLink kind="agent" id={agent.id}>{agent.name}</IdLink> <StatusBadge status={agent.status} /> limit {formatCents(agent.spendingLimit)} {words(agent.spendingLimitFrequency)}
              </li>
            ))}
          </ul>
        )}
      </PagedList>
    </Panel>
  );
}

function Deposits({ userId }: { userId: string }) {
  const deposits = useDepositPages(userId);
  return (
    <Panel headingId="deposits-heading" heading="Deposits">
      <PagedList pages={deposits} empty="No deposits." pagerLabel="deposits">
        {(rows) => (
          <DataTable
            rows={rows}
            columns={[
              { header: 'Network', cell: (deposit) => deposit.network },
              { header: 'Token', cell: (deposit) => deposit.token },
              { header: 'Credited', kind: 'number', cell: (deposit) => formatCents(deposit.amountCents) },
              {
                header: 'Status',
                cell: (deposit) => (
                  <>
                    <StatusBadge status={deposit.status} />
                    {deposit.rejectionReason === null ? null : <div className="small">{deposit.rejectionReason}</div>}
                  </>
                ),
              },
              { header: 'Time', cell: (deposit) => formatTime(deposit.createdAt) },
            ]}
          />
        )}
      </PagedList>
    </Panel>
  );
}

export function UserDetail({ id }: { id: string }) {
  const { environment } = useSession();
  const user = useUser(id);
  const balance = useBalance(id);
  return (
    <DetailScreen
      query={user}
      name="User"
      loadingWhat="the user"
      pageTitle={(current) => `${current.firstName} ${current.lastName}`}
      heading={(current) => (
        <>
          {current.firstName} {current.lastName}
        </>
      )}
    >
      {(current) => (
        <>
          <div className="grid">
            <Panel headingId="user-heading" heading="User">
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
            </Panel>
            <Panel headingId="balance-heading" heading="Balance">
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
            </Panel>
            <Verification userId={id} />
            {awaitingDecision.includes(current.applicationStatus) ? <OperatorDecision userId={id} /> : null}
            {environment === 'sandbox' ? <SandboxOutcomeForm userId={id} /> : null}
            <UserAgents userId={id} />
            <OwnedCardsPanel owner={{ userId: id }} headingId="user-cards-heading" pagerLabel="the user's cards" />
            <Deposits userId={id} />
          </div>
          {current.applicationStatus === 'approved' ? <RegisterAgentForm userId={id} /> : null}
        </>
      )}
    </DetailScreen>
  );
}
