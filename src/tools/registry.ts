import type { App } from '../app.js';
import type { ToolDef } from './define.js';
import { integrationsList } from '../integrations/tool.js';
import { BUILTIN_TOOLS } from './index.js';

/** Every tool this process serves: the built-ins, then whatever integrations add (loaded once per app). */
export async function loadTools(app: App): Promise<ToolDef[]> {
  const { tools } = await app.integrations.load();
  return [...builtinTools(), ...tools];
}

/** The tools Aegis itself defines, known without reading any config. */
export function builtinTools(): ToolDef[] {
  return [...BUILTIN_TOOLS, integrationsList];
}

export function toolByName(tools: ToolDef[], name: string): ToolDef | undefined {
  return tools.find((t) => t.name === name);
}
