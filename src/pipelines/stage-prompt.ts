import type { MemoryStore } from '../memory/index.js';
import { renderPrompt } from './template.js';
import type { PipelineSpec, StageRow, StageSpec } from './types.js';
import { memoryScopes } from './validate.js';

/**
 * The prompt a stage's agent gets: its template with the outputs of its dependencies and the memory
 * values it names filled in, as they are when the stage starts. A memory key deleted since the
 * pipeline was created is an error (the stage would otherwise run on a silently missing input).
 */
export function stagePrompt(
  spec: PipelineSpec,
  stage: StageSpec,
  stages: ReadonlyMap<string, StageRow>,
  memory: Pick<MemoryStore, 'get'>,
): { prompt: string } | { error: string } {
  const missing: string[] = [];
  const prompt = renderPrompt(stage.prompt, (ref) => {
    if (ref.kind === 'stage') {
      const row = stages.get(ref.stage);
      if (ref.field === 'output') return row?.output ?? '';
      return row?.files.length ? row.files.join('\n') : '(no files)';
    }
    for (const scope of memoryScopes(stage, spec.workDir)) {
      const entry = memory.get(ref.key, scope);
      if (entry) return typeof entry.value === 'string' ? entry.value : JSON.stringify(entry.value, null, 2);
    }
    missing.push(ref.key);
    return ref.raw;
  });
  if (missing.length) return { error: `memory key "${missing[0]}" is no longer set (it was when the pipeline was created)` };
  return { prompt };
}
