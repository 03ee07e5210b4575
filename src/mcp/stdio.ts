// `cardrail mcp`: the MCP server over stdio for a local client (Claude Desktop, Cursor), configured from the
// environment (SPEC §7): LEDGER_API_URL, LEDGER_API_KEY, LEDGER_AGENT_TOKEN, LEDGER_AGENT_ID. Stdout carries the
// protocol and nothing else; what a person should read goes to stderr.
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { loadConfig } from '../config.js';
import { createMcpServer } from './server.js';
import { audiencesFor, type McpServerContext } from './session.js';

export interface StdioConfiguration {
  context: McpServerContext;
  /** Configuration mistakes worth telling the person who wrote the client's config file. */
  warnings: string[];
}

function present(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

/** The API's base URL: LEDGER_API_URL without a trailing `/v1`, else this machine's server on PORT (default 4010). */
function apiUrlOf(env: NodeJS.ProcessEnv): string {
  const configured = present(env.LEDGER_API_URL);
  if (configured === undefined) return `http://127.0.0.1:${loadConfig(env).port}`;
  return configured.replace(/\/+$/, '').replace(/\/v1$/, '');
}

export function stdioConfiguration(env: NodeJS.ProcessEnv): StdioConfiguration {
  const warnings: string[] = [];
  let apiKey = present(env.LEDGER_API_KEY);
  let agentToken = present(env.LEDGER_AGENT_TOKEN);
  // Each credential is known by its prefix; one put in the other's variable is used as what it is, with a warning.
  if (apiKey?.startsWith('at_') === true && agentToken === undefined) {
    warnings.push('LEDGER_API_KEY holds an agent token (at_…); it is used as LEDGER_AGENT_TOKEN. Put it there.');
    agentToken = apiKey;
    apiKey = undefined;
  } else if (agentToken?.startsWith('lk_') === true && apiKey === undefined) {
    warnings.push('LEDGER_AGENT_TOKEN holds an API key (lk_…); it is used as LEDGER_API_KEY. Put it there.');
    apiKey = agentToken;
    agentToken = undefined;
  }
  const agentId = present(env.LEDGER_AGENT_ID);
  if (apiKey === undefined && agentToken === undefined) {
    warnings.push('No credential: set LEDGER_AGENT_TOKEN and LEDGER_AGENT_ID (agent tools), or LEDGER_API_KEY (all tools). Every tool call will say so.');
  } else if (agentToken !== undefined && agentId === undefined) {
    warnings.push('LEDGER_AGENT_TOKEN is set without LEDGER_AGENT_ID: ledger_status, ledger_funding, ledger_policy and ledger_card list need the agent id.');
  }
  return { context: { apiUrl: apiUrlOf(env), credentials: { apiKey, agentToken, agentId } }, warnings };
}

export async function serveMcpOverStdio(env: NodeJS.ProcessEnv): Promise<void> {
  const { context, warnings } = stdioConfiguration(env);
  for (const warning of warnings) process.stderr.write(`cardrail mcp: ${warning}\n`);
  const server = createMcpServer(context);
  const transport = new StdioServerTransport();
  // The client ends the session by closing stdin; nothing is left to do then.
  process.stdin.once('end', () => {
    void server.close().finally(() => process.exit(0));
  });
  await server.connect(transport);
  const credential = context.credentials.apiKey !== undefined ? 'API key' : context.credentials.agentToken !== undefined ? 'agent token' : 'no credential';
  const tools = audiencesFor(context.credentials).includes('admin') ? 'agent and admin tools' : 'agent tools';
  process.stderr.write(`cardrail mcp: serving ${tools} over stdio for ${context.apiUrl} (${credential})\n`);
}
