import { describe, expect, it } from 'vitest';
import { run } from '../../src/util/exec.js';

describe('run', () => {
  it('tells a timeout from a program that is not installed', async () => {
    const slow = await run(process.execPath, ['-e', 'setTimeout(() => {}, 30_000)'], { timeoutMs: 300 });
    expect(slow).toMatchObject({ timedOut: true, signal: 'SIGTERM', exitCode: undefined });
    expect(slow.spawnError).toBeUndefined();
    const missing = await run('/nonexistent/aegis-no-such-program', []);
    expect(missing.spawnError).toContain('ENOENT');
    expect(missing.timedOut).toBeUndefined();
  });

  it('reports a kill by someone else as a signal, not a timeout, and an exit code as such', async () => {
    const killed = await run(process.execPath, ['-e', 'process.kill(process.pid, "SIGKILL")'], { timeoutMs: 30_000 });
    expect(killed).toMatchObject({ signal: 'SIGKILL', exitCode: undefined });
    expect(killed.timedOut).toBeUndefined();
    const failed = await run(process.execPath, ['-e', 'process.stderr.write("no"); process.exit(3)']);
    expect(failed).toMatchObject({ exitCode: 3, stderr: 'no' });
  });
});
