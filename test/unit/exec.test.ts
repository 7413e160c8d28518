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

  it('runs in the folder given and stops a program that prints more than maxBytes, saying so', async () => {
    const here = await run(process.execPath, ['-e', 'process.stdout.write(process.cwd())'], { cwd: '/tmp' });
    expect(here).toMatchObject({ exitCode: 0, stdout: '/tmp' });
    const flood = await run(process.execPath, ['-e', 'const b = "x".repeat(65536); for (;;) process.stdout.write(b)'], {
      maxBytes: 100_000,
      timeoutMs: 30_000,
    });
    expect(flood.overflowed).toBe(true);
    expect(flood.stdout.length).toBe(100_000);
    expect(flood.timedOut).toBeUndefined();
    expect(flood.exitCode).toBeUndefined();
  });
});
