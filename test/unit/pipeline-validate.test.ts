import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AegisError } from '../../src/errors.js';
import { validatePipeline, type ValidationContext } from '../../src/pipelines/validate.js';
import type { PipelineInput, StageInput } from '../../src/pipelines/types.js';

let dir: string;
const memory = new Map<string, string[]>();
const ctx: ValidationContext = {
  defaultMaxConcurrent: 4,
  memoryHas: (key, scopes) => scopes.some((s) => memory.get(key)?.includes(s)),
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aegis-pipeline-validate-'));
  mkdirSync(join(dir, 'docs'));
  writeFileSync(join(dir, 'a-file'), '');
  memory.set('project/goal', ['global']);
  memory.set('project/local', [`project:${dir}`]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pipeline = (stages: StageInput[], extra: Partial<PipelineInput> = {}): PipelineInput => ({ name: 'build', workDir: dir, stages, ...extra });

function failure(input: PipelineInput): AegisError {
  try {
    validatePipeline(input, ctx);
  } catch (err) {
    expect(err).toBeInstanceOf(AegisError);
    const e = err as AegisError;
    expect(e.code).toBe('invalid_input');
    expect(e.fix, 'every error says how to fix it').toBeTruthy();
    return e;
  }
  throw new Error('expected a validation error');
}

describe('pipeline validation', () => {
  it('accepts a diamond and fills in defaults', () => {
    const spec = validatePipeline(
      pipeline([
        { name: 'plan', prompt: 'Plan {{memory.project/goal}} and {{memory.project/local}}' },
        { name: 'test', prompt: 'Test {{stages.plan.output}}', dependsOn: ['plan'] },
        { name: 'docs', prompt: 'Document {{stages.plan.files}}', dependsOn: ['plan', 'plan'], workDir: 'docs' },
        {
          name: 'review',
          prompt: 'Review {{stages.test.output}} {{stages.docs.output}} {{stages.plan.output}}',
          dependsOn: ['test', 'docs'],
          retries: 2,
          timeoutSec: 60,
        },
      ]),
      ctx,
    );
    expect(spec.onFailure).toBe('stop');
    expect(spec.maxConcurrent).toBe(4);
    expect(spec.stages.map((s) => s.agent)).toEqual(['claude', 'claude', 'claude', 'claude']);
    expect(spec.stages[2]!.workDir).toBe(join(dir, 'docs'));
    expect(spec.stages[2]!.dependsOn).toEqual(['plan']);
    expect(spec.stages[3]).toMatchObject({ retries: 2, timeoutSec: 60 });
    expect(spec.stages[0]).toMatchObject({ retries: 0, timeoutSec: 1800 });
  });

  it("keeps each stage's own agent and model (plan with Claude, implement with Codex)", () => {
    const spec = validatePipeline(
      pipeline([
        { name: 'plan', prompt: 'Plan it', model: 'sonnet[1m]' },
        { name: 'build', prompt: 'Build {{stages.plan.output}}', dependsOn: ['plan'], agent: 'codex', model: 'gpt-5-codex' },
      ]),
      ctx,
    );
    expect(spec.stages.map((s) => [s.agent, s.model])).toEqual([
      ['claude', 'sonnet[1m]'],
      ['codex', 'gpt-5-codex'],
    ]);
  });

  it('refuses an agent it does not know and a model that would read as an option, naming the stage', () => {
    const agent = failure(
      pipeline([
        { name: 'plan', prompt: 'Plan it' },
        { name: 'build', prompt: 'Build', agent: 'aider' as never },
      ]),
    );
    expect(agent.field).toBe('stages[1].agent');
    expect(agent.message).toContain('stage "build": unknown agent "aider"');
    expect(agent.fix).toBe('use one of: claude, codex, gemini, shell');
    const model = failure(pipeline([{ name: 'plan', prompt: 'Plan it', model: '--dangerously-skip-permissions' }]));
    expect(model.field).toBe('stages[0].model');
  });

  it('leaves double braces that are not references alone', () => {
    expect(() => validatePipeline(pipeline([{ name: 'a', prompt: 'Render {{name}} and {{ count }} in the template' }]), ctx)).not.toThrow();
  });

  it('rejects an unknown dependency, naming the stage and the known ones', () => {
    const e = failure(
      pipeline([
        { name: 'plan', prompt: 'p' },
        { name: 'build', prompt: 'b', dependsOn: ['plna'] },
      ]),
    );
    expect(e.field).toBe('stages[1].dependsOn');
    expect(e.message).toBe('stage "build" depends on "plna", which is not a stage');
    expect(e.fix).toContain('"plan"');
  });

  it('rejects a cycle, showing its path', () => {
    const e = failure(
      pipeline([
        { name: 'a', prompt: 'p', dependsOn: ['c'] },
        { name: 'b', prompt: 'p', dependsOn: ['a'] },
        { name: 'c', prompt: 'p', dependsOn: ['b'] },
        { name: 'd', prompt: 'p' },
      ]),
    );
    expect(e.field).toMatch(/^stages\[\d\]\.dependsOn$/);
    expect(e.message).toMatch(/form a cycle/);
    for (const n of ['"a"', '"b"', '"c"']) expect(e.message).toContain(n);
    expect(e.message).not.toContain('"d"');
  });

  it('rejects a stage that depends on itself', () => {
    const e = failure(pipeline([{ name: 'a', prompt: 'p', dependsOn: ['a'] }]));
    expect(e.message).toBe('stage "a" depends on itself');
  });

  it('rejects a duplicate stage name, naming both places', () => {
    const e = failure(
      pipeline([
        { name: 'a', prompt: 'p' },
        { name: 'b', prompt: 'p' },
        { name: 'a', prompt: 'q' },
      ]),
    );
    expect(e.field).toBe('stages[2].name');
    expect(e.message).toBe('stage name "a" is used twice (stages[0] and stages[2])');
  });

  it('rejects an empty or blank prompt', () => {
    const e = failure(
      pipeline([
        { name: 'a', prompt: 'p' },
        { name: 'b', prompt: '  \n ' },
      ]),
    );
    expect(e.field).toBe('stages[1].prompt');
    expect(e.message).toBe('stage "b" has an empty prompt');
  });

  it('rejects a reference to a stage that does not exist', () => {
    const e = failure(
      pipeline([
        { name: 'a', prompt: 'p' },
        { name: 'b', prompt: 'use {{stages.nope.output}}', dependsOn: ['a'] },
      ]),
    );
    expect(e.field).toBe('stages[1].prompt');
    expect(e.message).toContain('there is no stage "nope"');
  });

  it('rejects a reference to a stage that is not a (transitive) dependency', () => {
    const e = failure(
      pipeline([
        { name: 'plan', prompt: 'p' },
        { name: 'test', prompt: 't', dependsOn: ['plan'] },
        { name: 'docs', prompt: 'uses {{stages.test.output}}', dependsOn: ['plan'] },
      ]),
    );
    expect(e.field).toBe('stages[2].prompt');
    expect(e.message).toContain('"test" is not one of its dependencies');
    expect(e.fix).toBe('add "test" to the dependsOn of "docs"');
  });

  it('rejects a malformed reference', () => {
    for (const bad of ['{{stage.plan.output}}', '{{stages.plan}}', '{{stages.plan.result}}', '{{memroy.a/b}}']) {
      const e = failure(
        pipeline([
          { name: 'plan', prompt: 'p' },
          { name: 'b', prompt: `x ${bad}`, dependsOn: ['plan'] },
        ]),
      );
      expect(e.field).toBe('stages[1].prompt');
      expect(e.message).toContain(bad);
    }
  });

  it('rejects a memory key that is not set, or not a key', () => {
    const missing = failure(pipeline([{ name: 'a', prompt: 'use {{memory.project/unknown}}' }]));
    expect(missing.message).toBe('stage "a" refers to {{memory.project/unknown}}, but memory has no key "project/unknown"');
    const bad = failure(pipeline([{ name: 'a', prompt: 'use {{memory.nonamespace}}' }]));
    expect(bad.field).toBe('stages[0].prompt');
    expect(bad.message).toContain('stage "a"');
  });

  it('rejects bad names, folders, counts and bounds', () => {
    expect(failure(pipeline([{ name: 'a', prompt: 'p' }], { name: 'has space' })).field).toBe('name');
    expect(failure(pipeline([{ name: 'a', prompt: 'p' }], { name: 'x'.repeat(25) })).field).toBe('name');
    expect(failure(pipeline([{ name: 'a.b', prompt: 'p' }])).field).toBe('stages[0].name');
    expect(failure(pipeline([{ name: 'a', prompt: 'p' }], { workDir: 'relative/dir' })).field).toBe('workDir');
    expect(failure(pipeline([{ name: 'a', prompt: 'p' }], { workDir: join(dir, 'missing') })).message).toContain('does not exist');
    expect(failure(pipeline([{ name: 'a', prompt: 'p' }], { workDir: join(dir, 'a-file') })).message).toContain('is not a folder');
    expect(failure(pipeline([])).field).toBe('stages');
    expect(failure(pipeline([{ name: 'a', prompt: 'p', workDir: 'nowhere' }])).field).toBe('stages[0].workDir');
    expect(failure(pipeline([{ name: 'a', prompt: 'p', retries: 11 }])).field).toBe('stages[0].retries');
    expect(failure(pipeline([{ name: 'a', prompt: 'p', timeoutSec: 0 }])).field).toBe('stages[0].timeoutSec');
    expect(failure(pipeline([{ name: 'a', prompt: 'p' }], { maxConcurrent: 0 })).field).toBe('maxConcurrent');
    expect(failure(pipeline([{ name: 'a', prompt: 'p' }], { env: { '1BAD': 'x' } })).field).toBe('env.1BAD');
    expect(failure(pipeline(Array.from({ length: 101 }, (_, i) => ({ name: `s${i}`, prompt: 'p' })))).field).toBe('stages');
  });
});
