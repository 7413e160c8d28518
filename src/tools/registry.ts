import type { App } from '../app.js';
import type { ToolDef } from './define.js';
import { BUILTIN_TOOLS } from './index.js';

/** Every tool this process serves: the built-ins, then whatever integrations add. */
export async function loadTools(_app: App): Promise<ToolDef[]> {
  return [...BUILTIN_TOOLS];
}

export function toolByName(tools: ToolDef[], name: string): ToolDef | undefined {
  return tools.find((t) => t.name === name);
}
