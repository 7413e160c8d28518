// `npm run bench [-- frame sessions memory]`: runs the benchmarks and prints figures, each beside a
// floor measured in the same run and as a ratio to it (test/bench/floors.ts); no pass/fail.
import { benchCliCold } from './cli-cold.js';
import { benchDeliveryUnderLoad } from './delivery-load.js';
import { benchDialogDetails } from './dialog-details.js';
import { benchAnswers } from './answers.js';
import { benchCodex } from './codex.js';
import { benchFrame } from './frame.js';
import { benchGemini } from './gemini.js';
import { benchIntegrations } from './integrations.js';
import { benchHealth, benchToolList } from './mcp-lean.js';
import { benchPipelines } from './pipelines.js';
import { benchMemoryKg } from './memory-kg.js';
import { benchScale } from './scale.js';
import { benchButtonApprove, benchInboundReply, benchPermissionNotify } from './messaging.js';
import { benchDelivery, benchDetection, benchOverhead } from './sessions.js';

const all: Record<string, () => Promise<void>> = {
  frame: benchFrame,
  'cli-cold': () => benchCliCold(15),
  detection: () => benchDetection(60),
  'detection-codex': () => benchDetection(60, 'codex'),
  codex: () => benchCodex(Number(process.env.AEGIS_BENCH_TURNS ?? 10), Number(process.env.AEGIS_BENCH_SENDS ?? 20)),
  gemini: () => benchGemini(Number(process.env.AEGIS_BENCH_TURNS ?? 10), Number(process.env.AEGIS_BENCH_SENDS ?? 20)),
  'dialog-details': () => benchDialogDetails(10),
  delivery: () => benchDelivery(200),
  'delivery-load': () => benchDeliveryUnderLoad(Number(process.env.AEGIS_BENCH_SENDS ?? 300)),
  answer: () => benchAnswers(10),
  overhead: () => benchOverhead(50, 60),
  memory: benchMemoryKg,
  pipelines: benchPipelines,
  'messaging-reply': () => benchInboundReply(200),
  'messaging-notify': () => benchPermissionNotify(15),
  'messaging-approve': () => benchButtonApprove(8),
  integrations: benchIntegrations,
  'tool-list': benchToolList,
  scale: () =>
    benchScale(
      Number(process.env.AEGIS_BENCH_SESSIONS ?? 200),
      Number(process.env.AEGIS_BENCH_WINDOW_SECONDS ?? 15),
      Number(process.env.AEGIS_BENCH_WINDOWS ?? 3),
    ),
  health: () => benchHealth(200),
};

const picked = process.argv.slice(2);
const names = picked.length ? picked : Object.keys(all);
process.stdout.write(
  `Aegis benchmarks on ${process.platform} ${process.arch}, Node ${process.versions.node}, ${(await import('node:os')).cpus().length} cores\n`,
);
for (const name of names) {
  const run = all[name];
  if (!run) {
    process.stderr.write(`unknown benchmark "${name}"; known: ${Object.keys(all).join(', ')}\n`);
    process.exit(2);
  }
  await run();
}
process.exit(0);
