import { describe, expect, it } from 'vitest';
import { ancestors, findCycle } from '../../src/pipelines/graph.js';
import { parseReferences, renderPrompt } from '../../src/pipelines/template.js';

describe('stage prompt templates', () => {
  it('finds stage and memory references, with or without spaces inside the braces', () => {
    const { refs, invalid } = parseReferences('Use {{stages.plan.output}} and {{ stages.build-1.files }} with {{memory.deploy/url}}; keep {{name}}');
    expect(invalid).toEqual([]);
    expect(refs).toEqual([
      { kind: 'stage', stage: 'plan', field: 'output', raw: '{{stages.plan.output}}' },
      { kind: 'stage', stage: 'build-1', field: 'files', raw: '{{ stages.build-1.files }}' },
      { kind: 'memory', key: 'deploy/url', raw: '{{memory.deploy/url}}' },
    ]);
  });

  it('reports dotted placeholders that are not references', () => {
    expect(parseReferences('{{stages.plan}} {{stage.plan.output}} {{env.HOME}}').invalid).toEqual(['{{stages.plan}}', '{{stage.plan.output}}', '{{env.HOME}}']);
  });

  it('renders in one pass: a value that contains a reference is not expanded again', () => {
    const out = renderPrompt('A: {{stages.a.output}} / B: {{stages.b.output}} / {{name}}', (ref) =>
      ref.kind === 'stage' && ref.stage === 'a' ? 'says {{stages.b.output}}' : 'bee',
    );
    expect(out).toBe('A: says {{stages.b.output}} / B: bee / {{name}}');
  });

  it('keeps $ patterns in values literal', () => {
    expect(renderPrompt('x {{stages.a.output}} y', () => "cost $& and $1 and $'")).toBe("x cost $& and $1 and $' y");
  });
});

describe('stage graph', () => {
  const nodes = [
    { name: 'a', dependsOn: [] },
    { name: 'b', dependsOn: ['a'] },
    { name: 'c', dependsOn: ['a'] },
    { name: 'd', dependsOn: ['b', 'c'] },
  ];

  it('has no cycle in a diamond, and knows transitive dependencies', () => {
    expect(findCycle(nodes)).toBeUndefined();
    expect([...ancestors(nodes, 'd')].sort()).toEqual(['a', 'b', 'c']);
    expect([...ancestors(nodes, 'a')]).toEqual([]);
  });

  it('returns the path of a cycle', () => {
    const cycle = findCycle([...nodes, { name: 'e', dependsOn: ['f'] }, { name: 'f', dependsOn: ['g'] }, { name: 'g', dependsOn: ['e'] }]);
    expect(cycle).toHaveLength(4);
    expect(cycle![0]).toBe(cycle![3]);
    expect(new Set(cycle)).toEqual(new Set(['e', 'f', 'g']));
  });
});
