// Spend per agent over time: the approved authorizations the API lists, summed per agent and UTC day, drawn as
// stacked bars (Chart.js) with the same figures in a table for screen readers and keyboard users.
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { useEffect, useId, useMemo, useRef } from 'react';
import type { Transaction } from '../api/types';
import { formatCents } from './format';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

/** Authorizations that were approved and not reversed: what an agent's policy counts as spend. */
const spendStatuses = new Set<Transaction['status']>(['pending', 'settled', 'refunded']);
const palette = ['#1f5fa8', '#b3541e', '#2d7a46', '#7b3fa0', '#a3213b', '#0f6d75', '#6b5a0f', '#4a4a4a'];

export interface SpendSeries {
  days: string[];
  agents: Array<{ agentId: string; label: string; centsPerDay: number[] }>;
}

export function spendSeries(transactions: readonly Transaction[], days: number, nowMs: number, agentNames: ReadonlyMap<string, string>): SpendSeries {
  const dayKeys: string[] = [];
  for (let index = days - 1; index >= 0; index -= 1) dayKeys.push(new Date(nowMs - index * 24 * 3600 * 1000).toISOString().slice(0, 10));
  const byAgent = new Map<string, number[]>();
  for (const transaction of transactions) {
    if (!spendStatuses.has(transaction.status) || transaction.agentId === null) continue;
    const dayIndex = dayKeys.indexOf(transaction.createdAt.slice(0, 10));
    if (dayIndex < 0) continue;
    const perDay = byAgent.get(transaction.agentId) ?? dayKeys.map(() => 0);
    perDay[dayIndex] = (perDay[dayIndex] ?? 0) + transaction.amount;
    byAgent.set(transaction.agentId, perDay);
  }
  return {
    days: dayKeys,
    agents: [...byAgent.entries()].map(([agentId, centsPerDay]) => ({ agentId, label: agentNames.get(agentId) ?? agentId, centsPerDay })),
  };
}

export function SpendChart({ series }: { series: SpendSeries }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const tableId = useId();
  const data = useMemo(
    () => ({
      labels: series.days,
      datasets: series.agents.map((agent, index) => ({
        label: agent.label,
        data: agent.centsPerDay.map((cents) => cents / 100),
        backgroundColor: palette[index % palette.length],
        stack: 'spend',
      })),
    }),
    [series],
  );

  useEffect(() => {
    if (canvas.current === null) return;
    const chart = new Chart(canvas.current, {
      type: 'bar',
      data,
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { callback: (value) => `$${value}` } } },
        plugins: { tooltip: { callbacks: { label: (item) => `${item.dataset.label ?? ''}: ${formatCents(Math.round(Number(item.raw) * 100))}` } } },
      },
    });
    return () => chart.destroy();
  }, [data]);

  if (series.agents.length === 0) return <p className="muted">No approved spend in these days.</p>;
  return (
    <figure className="chart">
      <div className="chart-canvas">
        <canvas ref={canvas} role="img" aria-label="Spend per agent per day; the figures are in the table below" aria-describedby={tableId} />
      </div>
      <details>
        <summary>Spend per agent per day as a table</summary>
        <table id={tableId}>
          <caption>Approved spend per agent per day (UTC)</caption>
          <thead>
            <tr>
              <th scope="col">Agent</th>
              {series.days.map((day) => (
                <th scope="col" key={day}>
                  {day.slice(5)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {series.agents.map((agent) => (
              <tr key={agent.agentId}>
                <th scope="row">{agent.label}</th>
                {agent.centsPerDay.map((cents, index) => (
                  <td key={series.days[index]}>{formatCents(cents)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
