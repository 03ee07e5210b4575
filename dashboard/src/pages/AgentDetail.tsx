// One agent: its policy (current spend against the limit), status changes, tokens, cards and risk overrides.
import { useState, type FormEvent } from 'react';
import { Link } from 'wouter';
import { useAgent, useAgentPolicy, useAgentStatusAction, useAgentTokenPages, useCreateAgentToken, useRevokeAgentToken, type AgentStatusAction } from '../api/agents';
import { useCardPages } from '../api/cards';
import type { CreatedAgentToken } from '../api/types';
import { ConfirmButton } from '../components/ConfirmButton';
import { CreateCardForm } from '../components/CreateCardForm';
import { Empty, ErrorMessage, Loading, StatusBadge } from '../components/feedback';
import { formatCents, formatTime, words } from '../components/format';
import { TextField } from '../components/Form';
import { IdLink } from '../components/IdLink';
import { Pager } from '../components/Pager';
import { RiskOverridesPanel } from '../components/RiskOverridesPanel';
import { SecretValue } from '../components/Secret';
import { SpendBar } from '../components/SpendBar';
import { usePageTitle } from '../components/usePageTitle';

function Policy({ agentId }: { agentId: string }) {
  const policy = useAgentPolicy(agentId);
  return (
    <section className="panel" aria-labelledby="policy-heading">
      <h2 id="policy-heading">Spending policy</h2>
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
    </section>
  );
}

const statusActions: Record<AgentStatusAction, { label: string; title: string; explain: string; danger: boolean }> = {
  suspend: { label: 'Suspend agent', title: 'Suspend this agent?', explain: 'Its cards decline every authorization until the agent is activated again.', danger: true },
  activate: { label: 'Activate agent', title: 'Activate this agent?', explain: 'Its cards can be used again within their limits.', danger: false },
  deregister: { label: 'Deregister agent', title: 'Deregister this agent?', explain: 'This is final: the agent and its tokens stop working for good.', danger: true },
};

function StatusActions({ agentId, status }: { agentId: string; status: string }) {
  const change = useAgentStatusAction();
  const available: AgentStatusAction[] = status === 'active' ? ['suspend', 'deregister'] : status === 'suspended' ? ['activate', 'deregister'] : [];
  if (available.length === 0) return null;
  return (
    <>
      <div className="actions">
        {available.map((action) => (
          <ConfirmButton
            key={action}
            label={statusActions[action].label}
            title={statusActions[action].title}
            confirmLabel={statusActions[action].label}
            danger={statusActions[action].danger}
            disabled={change.isPending}
            onConfirm={() => change.mutate({ id: agentId, action })}
          >
            <p>{statusActions[action].explain}</p>
          </ConfirmButton>
        ))}
      </div>
      <ErrorMessage error={change.error} />
    </>
  );
}

function Tokens({ agentId }: { agentId: string }) {
  const tokens = useAgentTokenPages(agentId);
  const create = useCreateAgentToken();
  const revoke = useRevokeAgentToken();
  const [name, setName] = useState('');
  const [created, setCreated] = useState<CreatedAgentToken | undefined>(undefined);

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate({ agentId, name }, { onSuccess: (token) => setCreated(token) });
  }

  return (
    <section className="panel" aria-labelledby="tokens-heading">
      <h2 id="tokens-heading">Agent tokens</h2>
      <form className="inline" onSubmit={submit}>
        <TextField label="Token name" value={name} onChange={setName} required autoComplete="off" />
        <button type="submit" disabled={create.isPending}>
          Create token
        </button>
      </form>
      <ErrorMessage error={create.error} />
      {created?.token === null || created?.token === undefined ? null : <SecretValue label="Agent token" value={created.token} shownOnce onDismiss={() => setCreated(undefined)} />}
      <ErrorMessage error={tokens.query.error} />
      <ErrorMessage error={revoke.error} />
      {tokens.query.data?.data.length === 0 ? <Empty>No tokens.</Empty> : null}
      {tokens.query.data !== undefined && tokens.query.data.data.length > 0 ? (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Token</th>
              <th scope="col">Last used</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {tokens.query.data.data.map((token) => (
              <tr key={token.id}>
                <td>{token.name ?? '—'}</td>
                <td className="id">{token.redactedToken}</td>
                <td>{formatTime(token.lastUsedAt)}</td>
                <td>
                  {token.revokedAt !== null ? (
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
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <Pager pages={tokens} label="tokens" />
    </section>
  );
}

function AgentCards({ agentId }: { agentId: string }) {
  const cards = useCardPages({ agentId }, 10);
  return (
    <section className="panel" aria-labelledby="agent-cards-heading">
      <h2 id="agent-cards-heading">Cards</h2>
      <ErrorMessage error={cards.query.error} />
      {cards.query.data?.data.length === 0 ? <Empty>No cards.</Empty> : null}
      <ul className="plain">
        {cards.query.data?.data.map((card) => (
          <li key={card.id}>
            <IdLink kind="card" id={card.id}>{`•••• ${card.last4}`}</IdLink> {card.purpose} <StatusBadge status={card.status} /> max {formatCents(card.maxAmount)}
          </li>
        ))}
      </ul>
      <Pager pages={cards} label="the agent's cards" />
    </section>
  );
}

export function AgentDetail({ id }: { id: string }) {
  const agent = useAgent(id);
  usePageTitle(agent.data === undefined ? 'Agent' : `Agent ${agent.data.name}`);
  if (agent.isPending) return <Loading what="the agent" />;
  if (agent.isError) {
    return (
      <>
        <h1>Agent</h1>
        <ErrorMessage error={agent.error} />
      </>
    );
  }
  const current = agent.data;
  return (
    <>
      <h1>Agent {current.name}</h1>
      <div className="grid">
        <section className="panel" aria-labelledby="agent-heading">
          <h2 id="agent-heading">Agent</h2>
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
          <StatusActions agentId={id} status={current.status} />
          <p>
            <Link href={`/transactions?agentId=${encodeURIComponent(id)}`}>Transactions of this agent</Link> ·{' '}
            <Link href={`/intents?agentId=${encodeURIComponent(id)}`}>Intents of this agent</Link>
          </p>
        </section>
        <Policy agentId={id} />
        <Tokens agentId={id} />
        <AgentCards agentId={id} />
        {current.status === 'active' ? <CreateCardForm agentId={id} /> : null}
        <RiskOverridesPanel level="agent" id={id} />
      </div>
    </>
  );
}
