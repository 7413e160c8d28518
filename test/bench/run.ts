// `npm run bench [-- frame sessions memory]`: runs the benchmarks and prints figures. No pass/fail:
// goals are printed next to each figure.
import { benchFrame } from './frame.js';
import { benchIntegrations } from './integrations.js';
import { benchPipelines } from './pipelines.js';
import { benchMemoryKg } from './memory-kg.js';
import { benchInboundReply, benchPermissionNotify } from './messaging.js';
import { benchDelivery, benchDetection, benchOverhead } from './sessions.js';

const all: Record<string, () => Promise<void>> = {
  frame: benchFrame,
  detection: () => benchDetection(60),
  'detection-codex': () => benchDetection(60, 'codex'),
  delivery: () => benchDelivery(200),
  overhead: () => benchOverhead(50, 60),
  memory: benchMemoryKg,
  pipelines: benchPipelines,
  'messaging-reply': () => benchInboundReply(200),
  'messaging-notify': () => benchPermissionNotify(15),
  integrations: benchIntegrations,
};

const picked = process.argv.slice(2);
const names = picked.length ? picked : Object.keys(all);
process.stdout.write(`Aegis benchmarks on ${process.platform} ${process.arch}, Node ${process.versions.node}, ${(await import('node:os')).cpus().length} cores\n`);
for (const name of names) {
  const run = all[name];
  if (!run) {
    process.stderr.write(`unknown benchmark "${name}"; known: ${Object.keys(all).join(', ')}\n`);
    process.exit(2);
  }
  await run();
}
process.exit(0);
