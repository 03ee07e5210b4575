// Agents: every agent with its status and limit, filtered by user; registering one.
import { useAgentPages } from '../api/agents';
import { definedOnly } from '../api/query';
import { DataTable } from '../components/DataTable';
import { StatusBadge } from '../components/feedback';
import { FilterBar } from '../components/FilterBar';
import { formatCents, formatTime, words } from '../components/format';
import { IdLink } from '../components/IdLink';
import { PagedList } from '../components/PagedList';
import { Panel } from '../components/Panel';
import { RegisterAgentForm } from '../components/RegisterAgentForm';
import { usePageTitle } from '../components/usePageTitle';
import { useUrlFilters } from '../components/useUrlFilters';

export function Agents() {
  usePageTitle('Agents');
  const [filters, apply] = useUrlFilters(['userId'] as const);
  const agents = useAgentPages(definedOnly(filters));
  return (
    <>
      <h1>Agents</h1>
      <Panel headingId="agents-heading" heading="Agents">
        <FilterBar label="Filter agents" specs={[{ name: 'userId', label: 'User id', kind: 'text', placeholder: 'user_…' }]} values={filters} apply={apply} />
        <PagedList pages={agents} loadingWhat="agents" empty="No agents match." pagerLabel="agents">
          {(rows) => (
            <DataTable
              rows={rows}
              columns={[
                { header: 'Agent', cell: (agent) => <IdLink kind="agent" id={agent.id}>{agent.name}</IdLink> },
                {
                  header: 'Status',
                  cell: (agent) => (
                    <>
                      <StatusBadge status={agent.status} />
                      {agent.statusReason === null ? null : <div className="small">{words(agent.statusReason)}</div>}
                    </>
                  ),
                },
                {
                  header: 'Spending limit',
                  kind: 'number',
                  cell: (agent) => (agent.spendingLimit === null ? 'none' : `${formatCents(agent.spendingLimit)} ${words(agent.spendingLimitFrequency)}`),
                },
                { header: 'Approval', cell: (agent) => (agent.requireApproval ? `required${agent.autoApproveBelow === null ? '' : ` from ${formatCents(agent.autoApproveBelow)}`}` : 'not required') },
                { header: 'User', cell: (agent) => <IdLink kind="user" id={agent.userId} /> },
                { header: 'Created', cell: (agent) => formatTime(agent.createdAt) },
              ]}
            />
          )}
        </PagedList>
      </Panel>
      <RegisterAgentForm />
    </>
  );
}
