// Who the MCP tools act as (SPEC §7): an agent token runs the agent tools as that agent; an API key runs every tool,
// the agent tools for the agent their input or LEDGER_AGENT_ID names. Each tool gets the API client of its audience,
// or a refusal saying exactly which variable to set.
import { createCardrailClient, type CardrailClient } from '../sdk/index.js';

export interface McpCredentials {
  /** `lk_dev_…` / `lk_live_…` (LEDGER_API_KEY): every tool. */
  apiKey?: string | undefined;
  /** `at_dev_…` / `at_live_…` (LEDGER_AGENT_TOKEN): the agent tools, as the token's agent. */
  agentToken?: string | undefined;
  /** The agent the agent tools act for when their input names none: LEDGER_AGENT_ID, or over HTTP an agent token's own agent. */
  agentId?: string | undefined;
}

export interface McpServerContext {
  /** Where the REST API is, without `/v1` (LEDGER_API_URL). */
  apiUrl: string;
  credentials: McpCredentials;
  /** Replaces global fetch: the HTTP endpoint runs the tools' API calls through the server's own request pipeline. */
  fetch?: (request: Request) => Promise<Response>;
}

export type ToolAudience = 'agent' | 'admin';

/** Which tools a credential sees: an agent token alone only the agent tools; otherwise all (without any credential each call says what to set). */
export function audiencesFor(credentials: McpCredentials): readonly ToolAudience[] {
  if (credentials.apiKey === undefined && credentials.agentToken !== undefined) return ['agent'];
  return ['agent', 'admin'];
}

/** A tool call the MCP server answers itself, before (or instead of) calling the API; codes come from the API's catalogue. */
export class ToolRefusal extends Error {
  constructor(
    readonly type: string,
    readonly code: string,
    message: string,
    readonly param?: string,
  ) {
    super(message);
    this.name = 'ToolRefusal';
  }
}

export function missingArgument(param: string, action: string, hint = ''): ToolRefusal {
  return new ToolRefusal('invalid_request_error', 'missing_parameter', `Missing required parameter: ${param} (action "${action}" needs it)${hint === '' ? '' : `. ${hint}`}`, param);
}

/** `value` when present; otherwise a refusal naming the parameter the action needs. */
export function required<T>(value: T | undefined, param: string, action: string): T {
  if (value === undefined) throw missingArgument(param, action);
  return value;
}

export interface ToolSession {
  readonly apiUrl: string;
  /** True when the agent tools run with an agent token (the API then filters to that agent's own resources). */
  readonly actsAsAgent: boolean;
  /** The client agent tools call with: the agent token, else the API key. */
  agentClient(): CardrailClient;
  /** The client admin tools call with: the API key only. */
  adminClient(): CardrailClient;
  /** The agent an agent tool acts for: its input, else the configured one; refused when there is neither. */
  agentId(inputAgentId: string | undefined, action: string): string;
  /** The agent named by input or configuration, if any. */
  optionalAgentId(inputAgentId: string | undefined): string | undefined;
}

export function createToolSession(context: McpServerContext, toolName: string): ToolSession {
  const { apiKey, agentToken, agentId: configuredAgentId } = context.credentials;
  const clients = new Map<string, CardrailClient>();
  const clientFor = (credential: string): CardrailClient => {
    let client = clients.get(credential);
    if (client === undefined) {
      client = createCardrailClient({ baseUrl: context.apiUrl, credential, ...(context.fetch === undefined ? {} : { fetch: context.fetch }) });
      clients.set(credential, client);
    }
    return client;
  };

  return {
    apiUrl: context.apiUrl,
    actsAsAgent: agentToken !== undefined,
    agentClient() {
      const credential = agentToken ?? apiKey;
      if (credential === undefined) {
        throw new ToolRefusal(
          'authentication_error',
          'missing_api_key',
          `${toolName} has no credential to call the API with. To act as an agent set LEDGER_AGENT_TOKEN (at_dev_… or at_live_…) and LEDGER_AGENT_ID (agent_…); for full access set LEDGER_API_KEY (lk_dev_… or lk_live_…).`,
        );
      }
      return clientFor(credential);
    },
    adminClient() {
      if (apiKey === undefined) {
        const agentNote = agentToken === undefined ? '' : ' An agent token (LEDGER_AGENT_TOKEN) cannot call admin tools.';
        throw new ToolRefusal('authentication_error', 'missing_api_key', `${toolName} is an admin tool and needs an API key: set LEDGER_API_KEY (lk_dev_… for sandbox, lk_live_… for live).${agentNote}`);
      }
      return clientFor(apiKey);
    },
    agentId(inputAgentId, action) {
      const agentId = inputAgentId ?? configuredAgentId;
      if (agentId !== undefined) return agentId;
      const hint =
        agentToken !== undefined
          ? 'Set LEDGER_AGENT_ID to the id of the agent this token belongs to (agent_…), or pass agentId'
          : 'Pass agentId (agent_…), or set LEDGER_AGENT_ID to the agent the agent tools act for';
      throw missingArgument('agentId', action, hint);
    },
    optionalAgentId(inputAgentId) {
      return inputAgentId ?? configuredAgentId;
    },
  };
}
