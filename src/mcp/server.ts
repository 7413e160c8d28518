import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import {
  CallToolRequestSchema,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  ErrorCode,
  McpError,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod';
import type { App } from '../app.js';
import {
  type DynamicResourceProvider,
  findPrompt,
  loadPrompts,
  renderPrompt,
  type PromptTemplate,
  loadStaticResources,
  readStaticResource,
} from '../content/index.js';
import { sessionResources } from '../sessions/index.js';
import { skillResources, withSkillPrompts } from '../integrations/index.js';
import { describeError, invalidInput, notFound, toAegisError } from '../errors.js';
import type { ToolDef } from '../tools/define.js';
import { callTool } from '../tools/run.js';
import { INPUT_LIMITS } from '../tools/schemas.js';
import { LineGuard, MAX_MESSAGE_BYTES } from './line-guard.js';
import { TOOLSET_NAMES, toolsetOf, type ToolsetName } from './toolsets.js';

type JsonObject = { type: 'object'; [k: string]: unknown };

/** Resources computed from live data, one provider per area; integrations' skills are one too. Each reads what it needs from the App. */
const DYNAMIC_RESOURCES: DynamicResourceProvider<App>[] = [sessionResources, skillResources];

function jsonSchema(schema: z.ZodType): JsonObject {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...rest, type: 'object' };
}

/** Protocol-level errors (prompts, resources) carry the same actionable text as tool errors. */
async function protocolErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const e = toAegisError(err);
    throw new McpError(e.code === 'internal' ? ErrorCode.InternalError : ErrorCode.InvalidParams, describeError(e));
  }
}

/** Protocol strings (a prompt's name and arguments, a resource URI) are bounded like tool fields, and never echoed whole. */
function checkLength(field: string, value: string, max: number): void {
  if (value.length > max) throw invalidInput(field, `${field} is ${value.length} characters; at most ${max} are allowed`, `shorten ${field}`);
}

function checkUri(uri: string): void {
  checkLength('uri', uri, INPUT_LIMITS.addressChars);
}

function errorResult(err: unknown): CallToolResult {
  const e = toAegisError(err);
  return { isError: true, content: [{ type: 'text', text: `Error (${e.code}) ${describeError(e)}` }], structuredContent: undefined };
}

/**
 * Builds the MCP server over the tool registry, the prompts in prompts/, the files in resources/
 * and the areas' dynamic resources. It only adapts: every call goes through callTool().
 */
export function createMcpServer(app: App, tools: ToolDef[], toolsets: ReadonlySet<ToolsetName> = new Set(TOOLSET_NAMES)): Server {
  const server = new Server(
    { name: 'aegis', title: 'Aegis', version: app.version },
    {
      capabilities: { tools: {}, prompts: {}, resources: { subscribe: true, listChanged: false }, logging: {} },
      instructions:
        'Aegis runs coding agents (Claude Code, Codex, Gemini CLI, a shell) in tmux panes. Create a session, then poll with session_wait / session_get; answer permission prompts with session_approve or session_reject. Read aegis://docs/agent-guide for the full pattern.',
    },
  );
  // Prompts are read on first use: parsing their YAML is not needed to answer tools/list.
  let prompts: Promise<PromptTemplate[]> | undefined;
  const getPrompts = () => (prompts ??= withSkillPrompts(app, loadPrompts()));
  const staticResources = loadStaticResources();
  // No outputSchema: it was half the list (every host puts the list into the model's context), the
  // description says what comes back, and structuredContent is still checked against t.output by callTool.
  const listedTools = tools
    .filter((t) => toolsets.has(toolsetOf(t.name)))
    .map((t) => ({ name: t.name, title: t.title, description: t.description, inputSchema: jsonSchema(t.input), annotations: t.annotations }));

  server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools: listedTools }));

  server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const tool = tools.find((t) => t.name === request.params.name);
    if (!tool) return errorResult(notFound(`no tool named "${request.params.name}"`, 'call tools/list to see the available tools', 'name'));
    const toolset = toolsetOf(tool.name);
    if (!toolsets.has(toolset)) {
      return errorResult(
        notFound(
          `${tool.name} is in toolset "${toolset}", which this server does not serve`,
          `start ag mcp with --toolsets ${[...toolsets, toolset].join(',')} (or set mcp.toolsets)`,
          'name',
        ),
      );
    }
    const token = request.params._meta?.progressToken;
    try {
      const output = await callTool(app, tool, request.params.arguments ?? {}, {
        caller: 'mcp',
        signal: extra.signal,
        progress: (progress, total, message) => {
          if (token === undefined) return;
          void extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress, total, message } }).catch(() => {});
        },
      });
      return { content: [{ type: 'text', text: JSON.stringify(output, null, 2) }], structuredContent: output };
    } catch (err) {
      return errorResult(err);
    }
  });

  server.setRequestHandler(ListPromptsRequestSchema, async () => ({
    prompts: (await getPrompts()).map((p) => ({
      name: p.name,
      title: p.title,
      description: p.description,
      arguments: p.arguments.map((a) => ({
        name: a.name,
        description: a.enum ? `${a.description} (one of: ${a.enum.join(', ')})` : a.description,
        required: a.required,
      })),
    })),
  }));

  server.setRequestHandler(GetPromptRequestSchema, async (request) =>
    protocolErrors(async () => {
      checkLength('name', request.params.name, INPUT_LIMITS.idChars);
      for (const [key, value] of Object.entries(request.params.arguments ?? {})) {
        checkLength('argument name', key, INPUT_LIMITS.shortChars);
        checkLength(key.length <= INPUT_LIMITS.shortChars ? key : 'argument', value, INPUT_LIMITS.textChars);
      }
      const prompt = findPrompt(await getPrompts(), request.params.name);
      const text = renderPrompt(prompt, request.params.arguments ?? {});
      return { description: prompt.description, messages: [{ role: 'user' as const, content: { type: 'text' as const, text } }] };
    }),
  );

  server.setRequestHandler(ListResourcesRequestSchema, async () => {
    const dynamic = (await Promise.all(DYNAMIC_RESOURCES.map((p) => p.list(app)))).flat();
    return {
      resources: [...staticResources.map(({ uri, name, title, description, mimeType }) => ({ uri, name, title, description, mimeType })), ...dynamic],
    };
  });

  server.setRequestHandler(ListResourceTemplatesRequestSchema, async () => ({
    resourceTemplates: DYNAMIC_RESOURCES.flatMap((p) => p.templates),
  }));

  server.setRequestHandler(ReadResourceRequestSchema, async (request) =>
    protocolErrors(async () => {
      const uri = request.params.uri;
      checkUri(uri);
      for (const provider of DYNAMIC_RESOURCES) {
        const found = await provider.read(app, uri);
        if (found) return { contents: [{ uri, mimeType: found.mimeType, text: found.text }] };
      }
      const { text, mimeType } = readStaticResource(staticResources, uri);
      return { contents: [{ uri, mimeType, text }] };
    }),
  );

  // Subscriptions: one watcher per provider while anything is subscribed; updates only for subscribed URIs.
  const subscribed = new Set<string>();
  let unwatch: (() => void)[] = [];
  const notify = (uri: string) => {
    if (subscribed.has(uri)) void server.sendResourceUpdated({ uri }).catch(() => {});
  };
  server.setRequestHandler(SubscribeRequestSchema, async (request) =>
    protocolErrors(async () => {
      checkUri(request.params.uri);
      subscribed.add(request.params.uri);
      if (unwatch.length === 0) unwatch = DYNAMIC_RESOURCES.flatMap((p) => (p.watch ? [p.watch(app, notify)] : []));
      return {};
    }),
  );
  server.setRequestHandler(UnsubscribeRequestSchema, async (request) => {
    subscribed.delete(request.params.uri);
    if (subscribed.size === 0) {
      unwatch.forEach((fn) => fn());
      unwatch = [];
    }
    return {};
  });
  server.onclose = () => unwatch.forEach((fn) => fn());

  return server;
}

/** The error a client gets for a request over MAX_MESSAGE_BYTES: what the limit is and what to do instead. */
export function oversizedMessage(bytes: number): string {
  return `request is ${bytes} bytes; ag mcp reads messages of at most ${MAX_MESSAGE_BYTES} bytes (8 MiB). fix: send less per call (every text field has its own smaller maximum, see the tool's input schema), or pass large content as a file path (e.g. kg_import path)`;
}

/** `ag mcp`: serve on stdio until the host closes stdin. Nothing but protocol goes to stdout. */
export async function serveStdio(app: App, tools: ToolDef[], toolsets: ReadonlySet<ToolsetName>): Promise<void> {
  const server = createMcpServer(app, tools, toolsets);
  // The SDK's reader closes the connection on a line over 10 MiB; the guard drops such a line first
  // and it is answered with an error, so one oversized request never ends the session.
  const guard = new LineGuard((line) => {
    app.log.warn('mcp message over the size limit dropped', { bytes: line.bytes, id: line.id });
    if (line.id === undefined) return;
    void transport.send({ jsonrpc: '2.0', id: line.id, error: { code: ErrorCode.InvalidRequest, message: oversizedMessage(line.bytes) } }).catch(() => {});
  });
  process.stdin.pipe(guard);
  const transport = new StdioServerTransport(guard);
  transport.onerror = (err) => app.log.warn('mcp transport error', { error: err.message });
  const closed = new Promise<void>((resolve) => {
    const stopWatching = server.onclose;
    server.onclose = () => {
      stopWatching?.();
      resolve();
    };
  });
  // Adopt the live panes once the handshake is done, so a host never waits on it for tools/list.
  server.oninitialized = () =>
    void app.sessions
      .start()
      .catch((err) => app.log.warn('session monitor did not start', { error: (err as Error).message }))
      // Pipelines are advanced (and resumed) by long-lived processes, once the panes are adopted.
      .then(() => app.pipelines.start())
      .catch((err) => app.log.warn('pipeline runner did not start', { error: (err as Error).message }));
  await server.connect(transport);
  process.stdin.on('end', () => void server.close());
  await closed;
}
