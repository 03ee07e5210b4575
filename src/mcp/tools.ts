// How an MCP tool is defined and answered: typed input, a structured output whose every field is optional next to
// `error`, and one result shape for everything that can go wrong — an API error comes back as a tool result with
// `isError: true` carrying the API's code, message and param, never as a protocol error.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { CardrailApiError } from '../sdk/index.js';
import { guardToolResult, guardToolText } from './pan-guard.js';
import { createToolSession, ToolRefusal, type McpServerContext, type ToolAudience, type ToolSession } from './session.js';

export const toolErrorSchema = z.object({
  status: z.number().int().nullable().describe('HTTP status of the API answer; null when the MCP server answered without reaching the API'),
  type: z.string().describe('Error type (SPEC §3), e.g. conflict_error'),
  code: z.string().describe('Stable code from the error catalogue (docs/errors.md), e.g. intent_required'),
  message: z.string(),
  param: z.string().nullable().describe('The input field at fault, when there is one'),
  requestId: z.string().nullable().describe("The API request's id (Request-Id), for support"),
});
export type ToolError = z.infer<typeof toolErrorSchema>;

/** The operation of a tool that has several; the tool's description says what each needs. */
export function actionInput<const Actions extends readonly [string, ...string[]]>(actions: Actions) {
  return z.enum(actions).describe("The operation; the tool's description says which inputs each one needs");
}

/** List pagination, as the API takes it. */
export const pageInput = {
  limit: z.number().int().min(1).max(100).optional().describe('Items per page, 1–100 (default 20)'),
  cursor: z.string().max(200).optional().describe('nextCursor of the previous page, to read the next one'),
};

/** List pagination, as the API answers it. */
export const pageOutput = {
  hasMore: z.boolean().optional().describe('More items follow: call again with cursor = nextCursor'),
  nextCursor: z.string().nullable().optional(),
};

export interface ToolDefinition<Input extends z.ZodRawShape, Output extends z.ZodRawShape> {
  name: string;
  audience: ToolAudience;
  title: string;
  /** What it does, when to use it, what must happen first: written for the model that picks the tool. */
  description: string;
  input: Input;
  /** Every field optional: a result carries those of its action, an error only `error`. */
  output: Output;
  readOnly?: boolean;
  run(input: z.output<z.ZodObject<Input>>, session: ToolSession): Promise<z.input<z.ZodObject<Output>>>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyToolDefinition = ToolDefinition<any, any>;

export function defineTool<Input extends z.ZodRawShape, Output extends z.ZodRawShape>(definition: ToolDefinition<Input, Output>): AnyToolDefinition {
  return definition as unknown as AnyToolDefinition;
}

function textOf(error: ToolError): string {
  return `Error ${error.code}: ${error.message}${error.param === null ? '' : ` (param: ${error.param})`}`;
}

function errorResult(unguarded: ToolError): CallToolResult {
  const error = guardToolResult(unguarded);
  return { content: [{ type: 'text', text: guardToolText(textOf(error)) }], structuredContent: { error }, isError: true };
}

/** CardrailApiError's message is `code: message`; the result carries the two apart. */
function apiMessage(error: CardrailApiError): string {
  const prefix = `${error.code}: `;
  return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
}

/** fetch's own failure (refused connection, DNS, TLS): the API was never reached. */
function unreachableDetail(error: unknown): string | undefined {
  if (!(error instanceof TypeError) || !/fetch failed/i.test(error.message)) return undefined;
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  return typeof cause?.message === 'string' ? cause.message : error.message;
}

export function toolErrorOf(error: unknown, apiUrl: string): ToolError | undefined {
  if (error instanceof CardrailApiError) {
    return { status: error.status, type: error.type, code: error.code, message: apiMessage(error), param: error.param ?? null, requestId: error.requestId ?? null };
  }
  if (error instanceof ToolRefusal) return { status: null, type: error.type, code: error.code, message: error.message, param: error.param ?? null, requestId: null };
  const unreachable = unreachableDetail(error);
  if (unreachable !== undefined) {
    return {
      status: null,
      type: 'service_error',
      code: 'service_unavailable',
      message: `Could not reach the cardrail API at ${apiUrl} (${unreachable}). Check that the server is running and that LEDGER_API_URL points at it.`,
      param: null,
      requestId: null,
    };
  }
  return undefined;
}

export function registerTool(server: McpServer, context: McpServerContext, tool: AnyToolDefinition): void {
  const outputShape = { ...tool.output, error: toolErrorSchema.optional().describe('Present exactly when the call failed (isError: true)') };
  // Parsing the API's answer through the output schema keeps structuredContent to the fields the schema announces.
  const outputObject = z.object(outputShape);
  const session = createToolSession(context, tool.name);
  server.registerTool(
    tool.name,
    {
      title: tool.title,
      description: tool.description,
      inputSchema: tool.input,
      outputSchema: outputShape,
      annotations: { title: tool.title, readOnlyHint: tool.readOnly === true, openWorldHint: false },
    },
    async (input: unknown): Promise<CallToolResult> => {
      try {
        // The model reads this: card numbers other than a rawPan card's own in its details answer are replaced.
        const structured = guardToolResult(outputObject.parse(await tool.run(input as Record<string, unknown>, session)) as Record<string, unknown>);
        return { content: [{ type: 'text', text: JSON.stringify(structured) }], structuredContent: structured };
      } catch (error) {
        const toolError = toolErrorOf(error, context.apiUrl);
        if (toolError === undefined) throw error;
        return errorResult(toolError);
      }
    },
  );
}
