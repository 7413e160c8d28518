import { describe, expect, it } from 'vitest';
import { formatDuration, renderPipeline, stageDetail, summaryLine, type PipelineLine } from '../../src/pipelines/render.js';

const pipeline: PipelineLine = {
  id: '1f3a2c9e-0000-4000-8000-000000000000',
  name: 'build',
  status: 'running',
  done: 1,
  total: 3,
  durationMs: 12_345,
  stages: [
    { name: 'plan', status: 'done', attempts: 1, maxAttempts: 1, sessionName: 'build-plan-1', durationMs: 4_200, output: 'Plan:\n1. do it\n2. test it' },
    {
      name: 'test',
      status: 'running',
      attempts: 2,
      maxAttempts: 3,
      sessionName: 'build-test-2',
      sessionState: 'permission_prompt',
      durationMs: 61_000,
      dialog: { kind: 'permission', question: 'Do you want to proceed?', tool: 'Bash', command: 'npm test' },
    },
    { name: 'review', status: 'pending', attempts: 0, maxAttempts: 1 },
  ],
};

describe('pipeline rendering', () => {
  it('formats durations for people', () => {
    expect([formatDuration(undefined), formatDuration(450), formatDuration(4_200), formatDuration(61_000)]).toEqual(['', '450ms', '4.2s', '1m01s']);
  });

  it('shows the dialog a running stage waits on, else its state, error or first output line', () => {
    expect(stageDetail(pipeline.stages[1]!)).toBe('waiting: Bash npm test');
    expect(stageDetail({ ...pipeline.stages[1]!, dialog: undefined })).toBe('permission_prompt');
    expect(stageDetail(pipeline.stages[0]!)).toBe('Plan: 1. do it 2. test it');
    expect(stageDetail({ name: 'x', status: 'failed', attempts: 1, maxAttempts: 1, error: 'boom', output: 'ignored' })).toBe('boom');
    expect(stageDetail({ name: 'x', status: 'done', attempts: 1, maxAttempts: 1, output: 'y'.repeat(100) })).toHaveLength(70);
  });

  it('renders an aligned stage table under a summary line', () => {
    expect(renderPipeline(pipeline)).toBe(
      [
        'pipeline build (1f3a2c9e) running: 1/3 stages done',
        '',
        'STAGE   STATUS   TRY  SESSION       TIME   DETAIL',
        'plan    done     1/1  build-plan-1  4.2s   Plan: 1. do it 2. test it',
        'test    running  2/3  build-test-2  1m01s  waiting: Bash npm test',
        'review  pending',
      ].join('\n'),
    );
  });

  it('says how long a finished pipeline took and why it failed', () => {
    expect(summaryLine({ ...pipeline, status: 'failed', error: 'stage "test" failed: timed out' })).toBe(
      'pipeline build (1f3a2c9e) failed in 12.3s: 1/3 stages done\n  stage "test" failed: timed out',
    );
    expect(summaryLine({ ...pipeline, status: 'done', done: 3 })).toBe('pipeline build (1f3a2c9e) done in 12.3s: 3/3 stages done');
  });
});
