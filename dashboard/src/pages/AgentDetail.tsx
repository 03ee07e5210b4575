// One agent: its policy (current spend against the limit), status changes, tokens, cards and risk overrides.
import { useState } from 'react';
import { Link } from 'wouter';
import { useAgent, useAgentPolicy, useAgentStatusAction, useAgentTokenPages, useCreateAgentToken, useRevokeAgentToken, type AgentStatusAction } from '../api/agents';
import type { CreatedAgentToken } from '../api/types';
import { ConfirmButton } from '../components/ConfirmButton';
import { CreateCardForm } from '../components/CreateCardForm';
import { DataTable } from '../components/DataTable';
import { DetailScreen } from '../components/DetailScreen';
import { ErrorMessage, Loading, StatusBadge } from '../components/feedback';
import { formatCents, formatTime, words } from '../components/format';
import { TextField } from '../components/Form';
import { IdLink } from '../components/IdLink';
import { MutationForm } from '../components/MutationForm';
import { OwnedCardsPanel } from '../components/OwnedCardsPanel';
import { PagedList } from '../components/PagedList';
import { Panel } from '../components/Panel';
import { RiskOverridesPanel } from '../components/RiskOverridesPanel';
import { SecretValue } from '../components/Secret';
import { SpendBar } from '../components/SpendBar';
import { StatusActions, type StatusActionCopy } from '../components/StatusActions';

function Policy({ agentId }: { agentId: string }) {
  const policy = useAgentPolicy(agentId);
  return (
    <Panel headingId="policy-heading" heading="Spending policy">
      {policy.isPending ? <Loading what="the policy" /> : null}
      <ErrorMessage error={policy.error} />
      {policy.data === undefined ? null : (
        <>
          <SpendBar policy={policy.data} />
          <dl className="facts">
            <dt>Window</dt>
            <dd>
              {formatTime(policy.data.windowStart)} to {formatTime(policy.data.windowEnd)}
            </dd>
          </dl>
        </>
      )}
    </Panel>
  );
}

const statusActions: Record<AgentStatusAction, StatusActionCopy> = {
  suspend: { label: 'Suspend agent', title: 'Suspend this agent?', explain: 'Its cards decline every authorization until the agent is activated again.', danger: true },
  activate: { label: 'Activate agent', title: 'Activate this agent?', explain: 'Its cards can be used again within their limits.', danger: false },
  deregister: { label: 'Deregister agent', title: 'Deregister this agent?', explain: 'This is final: the agent and its tokens stop working for good.', danger: true },
};

function AgentStatusActions({ agentId, status }: { agentId: string; status: string }) {
  const change = useAgentStatusAction();
  const available: AgentStatusAction[] = status === 'active' ? ['suspend', 'deregister'] : status === 'suspended' ? ['activate', 'deregister'] : [];
  if (available.length === 0) return null;
  return <StatusActions available={available} copy={statusActions} change={change} onConfirm={(action) => change.mutate({ id: agentId, action })} />;
}

function Tokens({ agentId }: { agentId: string }) {
  const tokens = useAgentTokenPages(agentId);
  const create = useCreateAgentToken();
  const revoke = useRevokeAgentToken();
  const [name, setName] = useState('');
  const [created, setCreated] = useState<CreatedAgentToken | undefined>(undefined);

  return (
    <Panel headingId="tokens-heading" heading="Agent tokens">
      <MutationForm send={() => create.mutate({ agentId, name }, { onSuccess: (token) => setCreated(token) })} submitLabel="Create token" pending={create.isPending} error={create.error}>
        <TextField label="Token name" value={name} onChange={setName} required autoComplete="off" />
      </MutationForm>
      {created?.token === null || created?.token === undefined ? null : <SecretValue label="Agent token" value={created.token} shownOnce onDismiss={() => setCreated(undefined)} />}
      <PagedList pages={tokens} actionError={revoke.error} empty="No tokens." pagerLabel="tokens">
        {(rows) => (
          <DataTable
            rows={rows}
            columns={[
              { header: 'Name', cell: (token) => token.name ?? '—' },
              { header: 'Token', kind: 'id', cell: (token) => token.redactedToken },
              { header: 'Last used', cell: (token) => formatTime(token.lastUsedAt) },
              {
                header: 'State',
                cell: (token) =>
                  token.revokedAt !== null ? (
                    `revoked ${formatTime(token.revokedAt)}`
                  ) : (
                    <ConfirmButton
                      label={`Revoke ${token.name ?? token.redactedToken}`}
                      title="Revoke this agent token?"
                      confirmLabel="Revoke token"
                      danger
                      onConfirm={() => revoke.mutate({ agentId, tokenId: token.id })}
                    >
                      <p>The agent can no longer call the API with {token.redactedToken}.</p>
                    </ConfirmButton>
                  ),
              },
            ]}
          />
        )}
      </PagedList>
    </Panel>
  );
}

export function AgentDetail({ id }: { id: string }) {
  const agent = useAgent(id);
  return (
    <DetailScreen query={agent} name="Agent" loadingWhat="the agent" pageTitle={(agent) => `Agent ${agent.name}`} heading={(agent) => `Agent ${agent.name}`}>
      {(current) => (
        <div className="grid">
          <Panel headingId="agent-heading" heading="Agent">
            <dl className="facts">
              <dt>Id</dt>
              <dd className="id">{current.id}</dd>
              <dt>Status</dt>
              <dd>
                <StatusBadge status={current.status} />
                {current.statusReason === null ? null : ` (${words(current.statusReason)})`}
              </dd>
              <dt>User</dt>
              <dd>
                <IdLink kind="user" id={current.userId} />
              </dd>
              <dt>Description</dt>
              <dd>{current.description ?? '—'}</dd>
              <dt>On limit exceeded</dt>
              <dd>{words(current.onLimitExceeded)}</dd>
              <dt>Intent approval</dt>
              <dd>{current.requireApproval ? `required${current.autoApproveBelow === null ? '' : ` from ${formatCents(current.autoApproveBelow)}`}` : 'not required'}</dd>
              <dt>External id</dt>
              <dd>{current.externalId ?? '—'}</dd>
            </dl>
            <AgentStatusActions agentId={id} status={current.status} />
            <p>
              <Link href={`/transactions?agentId=${encodeURIComponent(id)}`}>Transactions of this agent</Link> ·{' '}
              <Link href={`/intents?agentId=${encodeURIComponent(id)}`}>Intents of this agent</Link>
            </p>
          </Panel>
          <Policy agentId={id} />
          <Tokens agentId={id} />
          <OwnedCardsPanel owner={{ agentId: id }} headingId="agent-cards-heading" pagerLabel="the agent's cards" />
          {current.status === 'active' ? <CreateCardForm agentId={id} /> : null}
          <RiskOverridesPanel level="agent" id={id} />
        </div>
      )}
    </DetailScreen>
  );
}
