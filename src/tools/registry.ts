import type { App } from '../app.js';
import type { IntegrationTool, BuiltinToolName } from '../integrations/index.js';
import { cliPath, type ToolDef } from './define.js';
import { integrationsList } from './integrations.js';
import { BUILTIN_TOOLS } from './index.js';

/** Every tool this process serves: the built-ins, then whatever integrations add (loaded once per app). */
export async function loadTools(app: App): Promise<ToolDef[]> {
  const { tools } = await app.integrations.load();
  return [...builtinTools(), ...tools.map(servedTool)];
}

/** The tools Aegis itself defines, known without reading any config. */
export function builtinTools(): ToolDef[] {
  return [...BUILTIN_TOOLS, integrationsList];
}

/** The names an integration must not take (its folder name is its tools' area and its `ag` command), for the integrations area. */
export function builtinToolNames(): BuiltinToolName[] {
  return BUILTIN_TOOLS.map((t) => ({ name: t.name, area: cliPath(t.name).area, aliases: t.cli?.aliases ?? [] }));
}

/**
 * An integration's tool as the registry serves it. It was made with defineTool (the loader checked
 * its name, schemas and handler); its handler gets the built-in context plus the integration's name
 * and settings.
 */
function servedTool({ tool, integration, settings }: IntegrationTool): ToolDef {
  const def = tool as unknown as ToolDef;
  return { ...def, handler: (ctx, input) => def.handler({ ...ctx, integration, settings }, input) };
}

export function toolByName(tools: ToolDef[], name: string): ToolDef | undefined {
  return tools.find((t) => t.name === name);
}
