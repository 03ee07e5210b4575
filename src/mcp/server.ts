// The one MCP server both transports serve (SPEC §7): the agent tools, and the admin tools unless the credential is an
// agent token alone. Built per connection (stdio) or per request (Streamable HTTP, stateless).
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { packageVersion } from '../package-version.js';
import { adminTools } from './admin-tools.js';
import { agentTools } from './agent-tools.js';
import { audiencesFor, type McpServerContext } from './session.js';
import { registerTool, type AnyToolDefinition } from './tools.js';

export type { McpCredentials, McpServerContext } from './session.js';

const instructions = [
  'cardrail gives AI agents payment cards they cannot misuse. Amounts are integer cents (USD): $12.34 is 1234.',
  'To buy something as an agent: ledger_status (can I spend?) → ledger_card action=list (pick an active card, or action=create one) → ledger_intent action=declare',
  '(what, how much, which merchant) → ledger_card action=details with the same summary, amount and merchant (card number, CVV, expiry) →',
  'pay at that merchant → ledger_transactions (the transaction and whether it matched the intent). ledger_challenges gives a 3-D Secure',
  'passcode when the checkout asks for one. ledger_card action=freeze stops one of your cards at once (only an operator unfreezes it). Errors carry a stable code (e.g. intent_required, insufficient_balance) and a message saying',
  'what to do. Admin tools (ledger_users, ledger_onboarding, ledger_agents, ledger_cards, ledger_risk, ledger_webhooks) need an API key.',
].join(' ');

export const allTools: readonly AnyToolDefinition[] = [...agentTools, ...adminTools];

export function createMcpServer(context: McpServerContext): McpServer {
  const server = new McpServer({ name: 'cardrail', version: packageVersion }, { instructions, capabilities: { tools: {} } });
  const audiences = audiencesFor(context.credentials);
  for (const tool of allTools) {
    if (audiences.includes(tool.audience)) registerTool(server, context, tool);
  }
  return server;
}
