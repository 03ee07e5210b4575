// Agents: every agent with its status and limit, filtered by user; registering one.
import { useAgentPages } from '../api/agents';
import { Empty, ErrorMessage, Loading, StatusBadge } from '../components/feedback';
import { FilterBar } from '../components/FilterBar';
import { formatCents, formatTime, words } from '../components/format';
import { IdLink } from '../components/IdLink';
import { Pager } from '../components/Pager';
import { RegisterAgentForm } from '../components/RegisterAgentForm';
import { usePageTitle } from '../components/usePageTitle';
import { useUrlFilters } from '../components/useUrlFilters';

export function Agents() {
  usePageTitle('Agents');
  const [filters, apply] = useUrlFilters(['userId'] as const);
  const agents = useAgentPages({ ...(filters.userId === '' ? {} : { userId: filters.userId }) });
  return (
    <>
      <h1>Agents</h1>
      <section className="panel" aria-labelledby="agents-heading">
        <h2 id="agents-heading">Agents</h2>
        <FilterBar label="Filter agents" specs={[{ name: 'userId', label: 'User id', kind: 'text', placeholder: 'user_…' }]} values={filters} apply={apply} />
        {agents.query.isPending ? <Loading what="agents" /> : null}
        <ErrorMessage error={agents.query.error} />
        {agents.query.data?.data.length === 0 ? <Empty>No agents match.</Empty> : null}
        {agents.query.data !== undefined && agents.query.data.data.length > 0 ? (
          <table>
            <thead>
              <tr>
                <th scope="col">Agent</th>
                <th scope="col">Status</th>
                <th scope="col" className="number">Spending limit</th>
                <th scope="col">Approval</th>
                <th scope="col">User</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {agents.query.data.data.map((agent) => (
                <tr key={agent.id}>
                  <td>
                    <IdLink kind="agent" id={agent.id}>{agent.name}</IdLink>
                  </td>
                  <td>
                    <StatusBadge status={agent.status} />
                    {agent.statusReason === null ? null : <div className="small">{words(agent.statusReason)}</div>}
                  </td>
                  <td className="number">
                    {agent.spendingLimit === null ? 'none' : `${formatCents(agent.spendingLimit)} ${words(agent.spendingLimitFrequency)}`}
                  </td>
                  <td>{agent.requireApproval ? `required${agent.autoApproveBelow === null ? '' : ` from ${formatCents(agent.autoApproveBelow)}`}` : 'not required'}</td>
                  <td>
                    <IdLink kind="user" id={agent.userId} />
                  </td>
                  <td>{formatTime(agent.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        <Pager pages={agents} label="agents" />
      </section>
      <RegisterAgentForm />
    </>
  );
}
