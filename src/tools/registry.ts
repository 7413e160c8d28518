import type { App } from '../app.js';
import type { ToolDef } from './define.js';
import { integrationsList } from '../integrations/tool.js';
import { BUILTIN_TOOLS } from './index.js';

/** Every tool this process serves: the built-ins, then whatever integrations add (loaded once per app). */
export async function loadTools(app: App): Promise<ToolDef[]> {
  const { tools } = await app.integrations.load();
  return [...BUILTIN_TOOLS, integrationsList, ...tools];
}

export function toolByName(tools: ToolDef[], name: string): ToolDef | undefined {
  return tools.find((t) => t.name === name);
}
