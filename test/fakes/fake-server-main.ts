/**
 * Runs the fake Anthropic API on its own: `npx tsx test/fakes/fake-server-main.ts [port]`.
 * Prints the URL on stdout (one line, for scripts and the benchmarks), logs each request on stderr,
 * and stops on SIGINT / SIGTERM.
 */
import { startFakeAnthropic } from './anthropic-server.js';

const port = Number(process.argv[2] ?? 0);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`usage: fake-server-main.ts [port]  (got ${JSON.stringify(process.argv[2])}; give 0-65535, or nothing for a free port)`);
  process.exit(2);
}
const fake = await startFakeAnthropic({ port, log: (line) => console.error(line) });
console.log(fake.url);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void fake.close().then(() => process.exit(0));
  });
}
