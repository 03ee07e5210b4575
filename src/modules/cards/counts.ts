// How many cards of each agent are open (active or frozen, not closed): the agent's `cardCount` and its `maxCards`
// check. Reads only, one range of the (agent_id, status) index per agent; the agents module calls it.
import type { Sql } from '../../store/database.js';

/** Agents asked about at once: one list page. */
export const openCardCountAgentsMax = 100;

/** Open cards per agent id; every id asked about has an entry (0 when it has none). */
export async function openCardCountsOfAgents(sql: Sql, agentIds: readonly string[]): Promise<Map<string, number>> {
  if (agentIds.length > openCardCountAgentsMax) throw new Error(`at most ${openCardCountAgentsMax} agents at once, got ${agentIds.length}`);
  const counts = new Map<string, number>(agentIds.map((id) => [id, 0]));
  if (agentIds.length === 0) return counts;
  const placeholders = agentIds.map(() => '?').join(', ');
  const rows = await sql.all<{ agent_id: string; open_cards: number }>(
    `SELECT agent_id, COUNT(*) AS open_cards FROM cards WHERE agent_id IN (${placeholders}) AND status IN ('active', 'frozen') GROUP BY agent_id`,
    agentIds,
  );
  for (const row of rows) counts.set(row.agent_id, Number(row.open_cards));
  return counts;
}
