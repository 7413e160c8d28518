/**
 * Knowledge-graph benchmark: Aegis (SQLite + FTS5) against the reference knowledge-graph MCP server
 * (@modelcontextprotocol/server-memory, one JSONL file), both driven through the MCP SDK Client over
 * stdio with the same generated workload.
 *
 *   npm run bench -- memory      (or: npx tsx test/bench/memory-kg.ts [--sizes 1000,10000,50000] [--ref-sizes …] [--queries 200])
 *   env: AEGIS_BENCH_KG_SIZES, AEGIS_BENCH_KG_QUERIES; AEGIS_BENCH_KG_LOAD_ONLY=1 measures only the load.
 *
 * Per size it reports load throughput (beside the same calls to a server that only echoes them),
 * kg_search / search_nodes p50 and p95, recall of two-word queries whose words sit in one
 * observation but not next to each other (any such pair, however many
 * entities hold it), the response size of reading the graph, a full paginated read, the store's
 * size against the JSONL, the server's RSS, and, once, writes lost when two server processes write
 * the same store. Every time is printed beside a floor measured in the same run (the reference
 * server, the bare SQLite query, a minimal SDK server's round trip) and as a ratio; verdicts are on
 * ratios.
 * The reference server is installed into a temp dir with `npm install --prefix` at run time; it is not
 * a dependency of the project. Aegis is the real built server (`ag mcp`), so both sides pay the same
 * stdio and JSON-RPC costs.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { STDIO_DEFAULT_MAX_BUFFER_SIZE } from '@modelcontextprotocol/sdk/shared/stdio.js';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN } from '../helpers/env.js';
import { openDatabase } from '../../src/db/open.js';
import { toMatchExpression, parseTerms } from '../../src/db/fts-query.js';
import { KnowledgeGraph } from '../../src/knowledge/graph.js';
import { toJsonl } from '../../src/knowledge/jsonl.js';
import type { Entity, Relation } from '../../src/knowledge/types.js';
import { openFloorClient, ratio } from './floors.js';

const REF_PACKAGE = '@modelcontextprotocol/server-memory';
const ECHO_SERVER = fileURLToPath(new URL('./echo-mcp-server.mjs', import.meta.url));
const BATCH = 500;
const LOST_WRITES_PER_WRITER = 200;

// ---------------------------------------------------------------- workload

/** Deterministic PRNG (mulberry32) so every run and both servers get the same data and queries. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A 20,000-word vocabulary of pronounceable pseudo-words drawn with a Zipf distribution (s = 1), so
 * text has very common words and a long tail, as prose does.
 */
function vocabulary(random: () => number): { words: string[]; pick: () => string } {
  const onsets = ['b', 'c', 'd', 'f', 'g', 'h', 'k', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'z', 'br', 'st', 'tr', 'pl'];
  const vowels = ['a', 'e', 'i', 'o', 'u', 'ai', 'ou'];
  const seen = new Set<string>();
  const words: string[] = [];
  while (words.length < 20_000) {
    const syllables = 2 + Math.floor(random() * 3);
    let w = '';
    for (let s = 0; s < syllables; s++) w += onsets[Math.floor(random() * onsets.length)]! + vowels[Math.floor(random() * vowels.length)]!;
    if (!seen.has(w)) {
      seen.add(w);
      words.push(w);
    }
  }
  const cumulative: number[] = [];
  let sum = 0;
  for (let r = 1; r <= words.length; r++) cumulative.push((sum += 1 / r));
  const pick = () => {
    const x = random() * sum;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return words[lo]!;
  };
  return { words, pick };
}

/**
 * Two words of one observation, not adjacent, and the entity it came from; `holders` are every
 * entity with both words in one of its observations (as whole words), the target among them.
 */
interface PairQuery {
  query: string;
  target: string;
  holders: Set<string>;
}

/** Results a search returns by default: recall@10. */
const RECALL_AT = 10;

/**
 * A hit: the target is in the first RECALL_AT results, or more than RECALL_AT entities hold both
 * words in one observation and the first RECALL_AT results are all such entities (the query cannot
 * tell the target from the others: any of them is a right answer).
 */
function isHit(q: PairQuery, names: string[]): boolean {
  const top = names.slice(0, RECALL_AT);
  if (top.includes(q.target)) return true;
  return q.holders.size > RECALL_AT && top.length === RECALL_AT && top.every((n) => q.holders.has(n));
}

interface Workload {
  entities: Entity[];
  relations: Relation[];
  pairQueries: PairQuery[];
  /** The most frequent single words: the worst case for a ranked search. */
  commonQueries: string[];
  /** Prefixes of mid-frequency words, e.g. "brai*". */
  prefixQueries: string[];
}

const ENTITY_TYPES = ['service', 'project', 'person', 'incident', 'database', 'team', 'decision', 'library', 'host', 'customer', 'feature', 'runbook'];
const RELATION_TYPES = ['uses', 'owns', 'depends_on', 'caused', 'deploys', 'mentions'];

function makeWorkload(size: number, queries: number): Workload {
  const random = rng(42);
  const vocab = vocabulary(random);
  const frequency = new Map<string, number>();
  // word -> ids of the observations holding it, and each observation's entity: to find every entity
  // that holds a query's two words in one observation.
  const postings = new Map<string, number[]>();
  const entityOf: number[] = [];
  const entities: Entity[] = [];
  for (let i = 0; i < size; i++) {
    const observations: string[] = [];
    const n = 3 + Math.floor(random() * 3);
    for (let o = 0; o < n; o++) {
      const len = 8 + Math.floor(random() * 7);
      const words = Array.from({ length: len }, vocab.pick);
      words.forEach((w) => frequency.set(w, (frequency.get(w) ?? 0) + 1));
      for (const w of new Set(words)) {
        const list = postings.get(w) ?? [];
        list.push(entityOf.length);
        postings.set(w, list);
      }
      entityOf.push(i);
      observations.push(words.join(' '));
    }
    entities.push({ name: `${vocab.words[i % vocab.words.length]}-${i}`, entityType: ENTITY_TYPES[i % ENTITY_TYPES.length]!, observations });
  }
  const relations: Relation[] = entities.slice(1).map((e, i) => ({
    from: e.name,
    to: entities[Math.floor(random() * (i + 1))]!.name,
    relationType: RELATION_TYPES[i % RELATION_TYPES.length]!,
  }));

  /** The entities that have the two words together in one observation. */
  const entitiesWithBoth = (a: string, b: string): Set<string> => {
    const inA = new Set(postings.get(a));
    return new Set(
      postings
        .get(b)!
        .filter((obs) => inA.has(obs))
        .map((obs) => entities[entityOf[obs]!]!.name),
    );
  };
  // Query: any two different words of one observation, not adjacent, in random order of choice; no
  // filter on how many entities share them (a user does not know).
  const pairQueries: PairQuery[] = [];
  while (pairQueries.length < queries) {
    const e = entities[Math.floor(random() * entities.length)]!;
    const words = e.observations[Math.floor(random() * e.observations.length)]!.split(' ');
    const positions = words.map((_, pos) => pos);
    for (let k = positions.length - 1; k > 0; k--) {
      const j = Math.floor(random() * (k + 1));
      [positions[k], positions[j]] = [positions[j]!, positions[k]!];
    }
    let pair: [string, string] | undefined;
    for (let a = 0; a < positions.length && !pair; a++) {
      for (let b = a + 1; b < positions.length && !pair; b++) {
        const [x, y] = [Math.min(positions[a]!, positions[b]!), Math.max(positions[a]!, positions[b]!)];
        if (y - x >= 2 && words[x] !== words[y]) pair = [words[x]!, words[y]!];
      }
    }
    if (pair) pairQueries.push({ query: pair.join(' '), target: e.name, holders: entitiesWithBoth(pair[0], pair[1]) });
  }
  const byFrequency = [...frequency.entries()].sort((a, b) => b[1] - a[1]).map(([w]) => w);
  return {
    entities,
    relations,
    pairQueries,
    commonQueries: byFrequency.slice(0, 20),
    prefixQueries: byFrequency.slice(100, 120).map((w) => `${w.slice(0, 4)}*`),
  };
}

// ---------------------------------------------------------------- servers

interface Server {
  name: string;
  client: Client;
  transport: StdioClientTransport;
  stderrTail(): string;
  oversized: number;
  rssMb(): { rss: number; peak: number };
  close(): Promise<void>;
}

function procStatusMb(pid: number | null): { rss: number; peak: number } {
  if (!pid) return { rss: NaN, peak: NaN };
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, peak: kb('VmHWM') / 1024 };
}

async function connect(name: string, command: string, args: string[], env: Record<string, string>): Promise<Server> {
  // A default client drops the connection on a message over STDIO_DEFAULT_MAX_BUFFER_SIZE; this one
  // accepts anything so every figure can be measured, and counts the responses a default client would lose.
  const transport = new StdioClientTransport({
    command,
    args,
    env: { ...(process.env as Record<string, string>), ...env },
    stderr: 'pipe',
    maxBufferSize: 2 ** 30,
  });
  // Keep the tail of the server's stderr to explain a crash.
  let stderrTail = '';
  transport.stderr?.on('data', (d: Buffer) => (stderrTail = (stderrTail + d.toString()).slice(-4000)));
  const client = new Client({ name: 'aegis-bench', version: '0.0.0' });
  await client.connect(transport);
  await client.listTools();
  return {
    name,
    client,
    transport,
    stderrTail: () => stderrTail,
    oversized: 0,
    rssMb: () => procStatusMb(transport.pid),
    close: () => client.close(),
  };
}

const LONG = { timeout: 30 * 60_000, maxTotalTimeout: 30 * 60_000 };

/** The two servers expose the same model under different tool names. */
interface Flavor {
  label: string;
  start(store: string): Promise<Server>;
  tools: { createEntities: string; createRelations: string; search: string; readGraph: string };
  searchArgs(query: string): Record<string, unknown>;
  hits(result: Record<string, unknown>): string[];
  entityCount(server: Server): Promise<number>;
}

const aegis: Flavor = {
  label: 'Aegis',
  start: (home) =>
    connect('aegis', process.execPath, [BIN, 'mcp', '--toolsets', 'knowledge'], {
      AEGIS_HOME: home,
      AEGIS_LOG_LEVEL: 'error',
      AEGIS_TMUX_SOCKET: `aegis-bench-kg-${process.pid}`,
    }),
  tools: { createEntities: 'kg_create_entities', createRelations: 'kg_create_relations', search: 'kg_search', readGraph: 'kg_read_graph' },
  searchArgs: (query) => ({ query }),
  hits: (r) => ((r.structuredContent as { results: { name: string }[] }).results ?? []).map((h) => h.name),
  entityCount: async (s) => {
    const r = await s.client.callTool({ name: 'kg_read_graph', arguments: { mode: 'summary' } });
    return (r.structuredContent as { summary: { entities: number } }).summary.entities;
  },
};

function referenceFlavor(entry: string): Flavor {
  return {
    label: 'reference',
    start: (dir) => connect('reference', process.execPath, [entry], { MEMORY_FILE_PATH: join(dir, 'memory.jsonl') }),
    tools: { createEntities: 'create_entities', createRelations: 'create_relations', search: 'search_nodes', readGraph: 'read_graph' },
    searchArgs: (query) => ({ query }),
    hits: (r) => ((r.structuredContent as { entities: { name: string }[] }).entities ?? []).map((e) => e.name),
    entityCount: async (s) => {
      const r = await s.client.callTool({ name: 'read_graph', arguments: {} }, undefined, LONG);
      return (r.structuredContent as { entities: unknown[] }).entities.length;
    },
  };
}

/** Installs the reference server into a temp dir (reused between runs) and returns its entry file, or why not. */
function installReference(): { entry?: string; why?: string } {
  const prefix = join(tmpdir(), 'aegis-bench-reference-memory');
  const entry = join(prefix, 'node_modules', REF_PACKAGE, 'dist', 'index.js');
  if (!existsSync(entry)) {
    mkdirSync(prefix, { recursive: true });
    try {
      execFileSync('npm', ['install', '--prefix', prefix, '--no-audit', '--no-fund', '--loglevel=error', REF_PACKAGE], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      return { why: `npm install ${REF_PACKAGE} failed: ${(err as Error).message.split('\n')[0]}` };
    }
  }
  const version = (JSON.parse(readFileSync(join(prefix, 'node_modules', REF_PACKAGE, 'package.json'), 'utf8')) as { version: string }).version;
  console.log(`reference: ${REF_PACKAGE}@${version} (installed in ${prefix})`);
  return { entry };
}

// ---------------------------------------------------------------- measuring

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const ms = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(0));
const bytes = (n: number) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);

interface Timing {
  p50: number;
  p95: number;
}

function timing(samples: number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95) };
}

interface SizeResult {
  loadEntitiesPerSec: number;
  loadSeconds: number;
  /**
   * Floor: the same create calls sent to a server that only echoes them back (echo-mcp-server.mjs),
   * one right after each of this server's: entities/s of Node + SDK + JSON + pipe at that moment.
   */
  loadFloorEntitiesPerSec: number;
  pairSearch: Timing;
  /** Floor: a minimal SDK server's round trip, one right after each 2-word search. */
  floor: Timing;
  commonSearch: Timing;
  prefixSearch: Timing;
  /** Hits as isHit() counts them. */
  recall: number;
  /** The target itself in the first RECALL_AT results. */
  targetRecall: number;
  /** Queries whose two words more than RECALL_AT entities hold in one observation. */
  broadShare: number;
  readGraphBytes: number;
  readGraphSummaryBytes?: number;
  /** Every page of kg_read_graph (Aegis only): total time, and the first and last page's. */
  pagedRead?: { totalMs: number; pages: number; firstMs: number; lastMs: number };
  largestSearchBytes: number;
  /** Responses (any call) over the SDK client's default buffer: a default client would drop the connection. */
  oversized: number;
  rss: { idle: number; rss: number; peak: number };
  /** The store once the server closed (SQLite checkpoints its WAL into the file on the last close). */
  storeBytes: number;
  /** Aegis: the pages of the knowledge graph's tables and indexes alone (the file also holds every other area's schema). */
  kgBytes?: number;
}

/** Bytes of the pages that hold the knowledge graph's tables, indexes and search indexes (SQLite's dbstat). */
function knowledgeGraphBytes(dbFile: string): number {
  const db = openDatabase(dbFile);
  try {
    return (
      db.prepare("SELECT sum(pgsize) AS n FROM dbstat WHERE name LIKE 'kg\\_%' ESCAPE '\\' OR name LIKE 'sqlite\\_autoindex\\_kg\\_%' ESCAPE '\\'").get() as {
        n: number;
      }
    ).n;
  } finally {
    db.close();
  }
}

async function callTimed(server: Server, name: string, args: Record<string, unknown>): Promise<{ result: Record<string, unknown>; ms: number; bytes: number }> {
  const t0 = performance.now();
  const result = (await server.client.callTool({ name, arguments: args }, undefined, LONG).catch((err: unknown) => {
    throw new Error(`${server.name} ${name}: ${(err as Error).message}\n${server.name} stderr: ${server.stderrTail()}`);
  })) as Record<string, unknown>;
  const took = performance.now() - t0;
  if (result.isError) throw new Error(`${server.name} ${name} failed: ${JSON.stringify(result.content)}`);
  const bytes = Buffer.byteLength(JSON.stringify(result));
  if (bytes > STDIO_DEFAULT_MAX_BUFFER_SIZE) server.oversized++;
  return { result, ms: took, bytes };
}

/** Reads the whole graph page by page (1000 entities a page), as a client that wants all of it does. */
async function pagedRead(server: Server): Promise<NonNullable<SizeResult['pagedRead']>> {
  const times: number[] = [];
  let cursor: string | undefined;
  do {
    const call = await callTimed(server, 'kg_read_graph', { limit: 1000, ...(cursor ? { cursor } : {}) });
    times.push(call.ms);
    cursor = (call.result.structuredContent as { nextCursor?: string }).nextCursor;
  } while (cursor);
  return { totalMs: times.reduce((a, b) => a + b, 0), pages: times.length, firstMs: times[0]!, lastMs: times[times.length - 1]! };
}

type LoadResult = Pick<SizeResult, 'loadEntitiesPerSec' | 'loadSeconds' | 'loadFloorEntitiesPerSec'>;

/** Creates the workload's entities BATCH a call, each call followed by the same call to the echo floor. */
async function load(server: Server, flavor: Flavor, work: Workload): Promise<LoadResult> {
  const echo = await connect('echo', process.execPath, [ECHO_SERVER], {});
  try {
    let loadMs = 0;
    let floorMs = 0;
    for (let i = 0; i < work.entities.length; i += BATCH) {
      const entities = work.entities.slice(i, i + BATCH);
      loadMs += (await callTimed(server, flavor.tools.createEntities, { entities })).ms;
      floorMs += (await callTimed(echo, 'echo_entities', { entities })).ms;
    }
    return {
      loadEntitiesPerSec: (work.entities.length / loadMs) * 1000,
      loadSeconds: loadMs / 1000,
      loadFloorEntitiesPerSec: (work.entities.length / floorMs) * 1000,
    };
  } finally {
    await echo.close();
  }
}

/** `AEGIS_BENCH_KG_LOAD_ONLY=1`: only the load, for sizes where the whole run takes too long. */
async function loadOnly(flavor: Flavor, work: Workload, storeDir: string): Promise<LoadResult> {
  mkdirSync(storeDir, { recursive: true });
  const server = await flavor.start(storeDir);
  try {
    return await load(server, flavor, work);
  } finally {
    await server.close();
  }
}

function printLoad(ours: LoadResult, ref: LoadResult | string): number | undefined {
  const r = (f: (x: LoadResult) => string) => (typeof ref === 'string' ? '—' : f(ref));
  const loadLead = typeof ref === 'string' ? undefined : ours.loadEntitiesPerSec / ref.loadEntitiesPerSec;
  console.log(
    row(
      `load (create_entities, ${BATCH}/call) entities/s`,
      ours.loadEntitiesPerSec.toFixed(0),
      r((x) => x.loadEntitiesPerSec.toFixed(0)),
      loadLead ? `Aegis ${loadLead.toFixed(1)}x the reference` : '',
    ),
  );
  console.log(
    row(
      'load time s',
      ours.loadSeconds.toFixed(1),
      r((x) => x.loadSeconds.toFixed(1)),
    ),
  );
  // Each server's load beside its own floor (the same calls echoed at the same moment), so a lead can
  // be read apart from the machine's load, and the most any server could lead the reference by shows.
  const overFloor = (x: LoadResult) => x.loadFloorEntitiesPerSec / x.loadEntitiesPerSec;
  console.log(
    row(
      'floor: the same calls to an echo-only SDK server /s',
      ours.loadFloorEntitiesPerSec.toFixed(0),
      r((x) => x.loadFloorEntitiesPerSec.toFixed(0)),
      `one after each call; time over the floor: Aegis ${overFloor(ours).toFixed(2)}x${
        typeof ref === 'string'
          ? ''
          : `, reference ${overFloor(ref).toFixed(2)}x (so the lead is ${(overFloor(ref) / overFloor(ours)).toFixed(1)}x net of load, and at most ${overFloor(ref).toFixed(1)}x for any server)`
      }`,
    ),
  );
  return loadLead;
}

async function runSize(flavor: Flavor, work: Workload, storeDir: string, storeFile: string): Promise<SizeResult> {
  const server = await flavor.start(storeDir);
  const idleRss = server.rssMb().rss;
  let result: Omit<SizeResult, 'storeBytes'>;
  try {
    const loaded = await load(server, flavor, work);
    for (let i = 0; i < work.relations.length; i += BATCH) {
      await callTimed(server, flavor.tools.createRelations, { relations: work.relations.slice(i, i + BATCH) });
    }

    // Untimed warm-up, so neither side's first-call costs (JIT, caches) land in the percentiles.
    for (const q of work.pairQueries.slice(0, 10)) await callTimed(server, flavor.tools.search, flavor.searchArgs(q.query));
    let largestSearchBytes = 0;
    const search = async (query: string) => {
      const call = await callTimed(server, flavor.tools.search, flavor.searchArgs(query));
      largestSearchBytes = Math.max(largestSearchBytes, call.bytes);
      return call;
    };
    const pairTimes: number[] = [];
    const floorTimes: number[] = [];
    const floor = await openFloorClient();
    let hits = 0;
    let targets = 0;
    for (const q of work.pairQueries) {
      const { result, ms: took } = await search(q.query);
      pairTimes.push(took);
      floorTimes.push(await floor.ping());
      const names = flavor.hits(result);
      if (isHit(q, names)) hits++;
      if (names.slice(0, RECALL_AT).includes(q.target)) targets++;
    }
    await floor.close();
    const commonTimes: number[] = [];
    for (const q of [...work.commonQueries, ...work.commonQueries]) commonTimes.push((await search(q)).ms);
    const prefixTimes: number[] = [];
    for (const q of work.prefixQueries) prefixTimes.push((await search(q)).ms);

    const full = await callTimed(server, flavor.tools.readGraph, {});
    const summary = flavor === aegis ? await callTimed(server, flavor.tools.readGraph, { mode: 'summary' }) : undefined;
    const paged = flavor === aegis ? await pagedRead(server) : undefined;
    const rss = { idle: idleRss, ...server.rssMb() };
    result = {
      ...loaded,
      pairSearch: timing(pairTimes),
      floor: timing(floorTimes),
      commonSearch: timing(commonTimes),
      prefixSearch: timing(prefixTimes),
      recall: hits / work.pairQueries.length,
      targetRecall: targets / work.pairQueries.length,
      broadShare: work.pairQueries.filter((q) => q.holders.size > RECALL_AT).length / work.pairQueries.length,
      readGraphBytes: full.bytes,
      readGraphSummaryBytes: summary?.bytes,
      pagedRead: paged,
      largestSearchBytes,
      oversized: server.oversized,
      rss,
    };
  } finally {
    await server.close();
  }
  const storeBytes = [storeFile, `${storeFile}-wal`].reduce((sum, f) => sum + (existsSync(f) ? statSync(f).size : 0), 0);
  return { ...result, storeBytes, ...(flavor === aegis ? { kgBytes: knowledgeGraphBytes(storeFile) } : {}) };
}

interface InProcess {
  pair: Timing;
  pairCpu: Timing;
  common: Timing;
  commonCpu: Timing;
  /** Floor: the bare FTS5 query that finds the first 10 observations holding both words, no ranking. */
  barePair: Timing;
}

/**
 * kg_search measured inside the process (service call, no stdio or JSON-RPC): what the server spends.
 * CPU time beside wall time, because on a shared machine wall time also counts waiting for a core.
 * Its floor is the bare SQLite query over the same index, in the same process.
 */
function inProcessSearch(dbFile: string, work: Workload): InProcess {
  const db = openDatabase(dbFile);
  try {
    const kg = new KnowledgeGraph(db);
    const bare = db.prepare('SELECT rowid FROM kg_observation_fts WHERE kg_observation_fts MATCH ? LIMIT 10');
    const time = (queries: string[], run: (q: string) => unknown = (q) => kg.search({ query: q })) => {
      const wall: number[] = [];
      const cpu: number[] = [];
      for (const q of queries) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        run(q);
        wall.push(performance.now() - t0);
        const c = process.cpuUsage(c0);
        cpu.push((c.user + c.system) / 1000);
      }
      return { wall: timing(wall), cpu: timing(cpu) };
    };
    time(work.pairQueries.slice(0, 20).map((q) => q.query)); // warm the page cache and statement paths
    // Each search, then its floor, query by query: both see the same load.
    const pairs = work.pairQueries.map((q) => ({ search: time([q.query]), bare: time([q.query], (x) => bare.all(toMatchExpression(parseTerms(x)))) }));
    const p50s = (f: (x: (typeof pairs)[number]) => Timing) => pairs.map((x) => f(x).p50);
    const common = time([...work.commonQueries, ...work.commonQueries]);
    return {
      pair: timing(p50s((x) => x.search.wall)),
      pairCpu: timing(p50s((x) => x.search.cpu)),
      common: common.wall,
      commonCpu: common.cpu,
      barePair: timing(p50s((x) => x.bare.wall)),
    };
  } finally {
    db.close();
  }
}

/** Two server processes on one store, each creating N entities one call at a time, at once. */
async function lostWrites(flavor: Flavor, storeDir: string): Promise<{ expected: number; stored: number; errors: number }> {
  const servers = await Promise.all([flavor.start(storeDir), flavor.start(storeDir)]);
  let errors = 0;
  try {
    await Promise.all(
      servers.map(async (s, w) => {
        for (let i = 0; i < LOST_WRITES_PER_WRITER; i++) {
          const r = await s.client
            .callTool({
              name: flavor.tools.createEntities,
              arguments: { entities: [{ name: `writer-${w}-${i}`, entityType: 'item', observations: [`from writer ${w}`] }] },
            })
            .catch(() => ({ isError: true }));
          if (r.isError) errors++;
        }
      }),
    );
    return { expected: 2 * LOST_WRITES_PER_WRITER, stored: await flavor.entityCount(servers[0]!), errors };
  } finally {
    await Promise.all(servers.map((s) => s.close()));
  }
}

// ---------------------------------------------------------------- report

function row(label: string, a: string, b: string, c = ''): string {
  return `  ${label.padEnd(50)} ${a.padStart(16)} ${b.padStart(16)}  ${c}`;
}

/** What the run found against the issue's goals, each judged on a ratio or a proportion, never an absolute time. */
interface Verdict {
  size: number;
  recall: number;
  storeRatio: number;
  loadLead?: number;
  searchLead?: number;
  /** Per-entity cost of the whole paginated read, over the same at the smallest size run. */
  pagedPerEntity: number;
}

function report(size: number, ours: SizeResult, ref: SizeResult | string, inProcess: InProcess, jsonlBytes: number): Verdict {
  const floorMs = ours.floor.p50;
  const r = (f: (x: SizeResult) => string) => (typeof ref === 'string' ? '—' : f(ref));
  const lead = (f: (x: SizeResult) => number, higherIsBetter: boolean) =>
    typeof ref === 'string' ? undefined : higherIsBetter ? f(ours) / f(ref) : f(ref) / f(ours);
  const pp = (t: Timing) => `${ms(t.p50)} / ${ms(t.p95)}`;
  console.log(`\n== ${size.toLocaleString('en')} entities ==${typeof ref === 'string' ? `  (reference: ${ref})` : ''}`);
  console.log(row('', 'Aegis', 'reference', 'ratio (same run)'));
  const loadLead = printLoad(ours, ref);
  const searchLead = lead((x) => x.pairSearch.p50, false);
  console.log(
    row(
      'search p50 / p95 ms, 2-word queries (MCP)',
      pp(ours.pairSearch),
      r((x) => pp(x.pairSearch)),
      `${searchLead ? `reference p50 ${searchLead.toFixed(1)}x Aegis; ` : ''}Aegis p50 ${ratio(ours.pairSearch.p50, floorMs)} the SDK floor`,
    ),
  );
  console.log(
    row(
      'search p50 / p95 ms, top-20 common words x2 (MCP)',
      pp(ours.commonSearch),
      r((x) => pp(x.commonSearch)),
      `Aegis p50 ${ratio(ours.commonSearch.p50, floorMs)} the SDK floor`,
    ),
  );
  console.log(
    row(
      'search p50 / p95 ms, prefix "abcd*" (MCP)',
      pp(ours.prefixSearch),
      r((x) => pp(x.prefixSearch)),
      `Aegis p50 ${ratio(ours.prefixSearch.p50, floorMs)} the SDK floor`,
    ),
  );
  console.log(
    row(
      'floor: minimal SDK server round trip p50 / p95 ms',
      pp(ours.floor),
      r((x) => pp(x.floor)),
      'one after each 2-word search',
    ),
  );
  console.log(
    row(
      'search p50 / p95 ms, 2-word (in-process, wall)',
      pp(inProcess.pair),
      'n/a',
      `p50 ${ratio(inProcess.pair.p50, inProcess.barePair.p50)} the bare SQLite query`,
    ),
  );
  console.log(row('search p50 / p95 ms, 2-word (in-process, CPU)', pp(inProcess.pairCpu), 'n/a'));
  console.log(row('search p50 / p95 ms, common (in-process, wall)', pp(inProcess.common), 'n/a'));
  console.log(row('search p50 / p95 ms, common (in-process, CPU)', pp(inProcess.commonCpu), 'n/a'));
  console.log(row('floor: bare FTS5 query, first 10 matches p50 / p95 ms', pp(inProcess.barePair), 'n/a', 'same run, same process'));
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  console.log(
    row(
      `recall@${RECALL_AT}, 2 words of one observation, not adjacent`,
      pct(ours.recall),
      r((x) => pct(x.recall)),
      '(goal >= 95%)',
    ),
  );
  console.log(
    row(
      `  of which the target itself in the top ${RECALL_AT}`,
      pct(ours.targetRecall),
      r((x) => pct(x.targetRecall)),
    ),
  );
  console.log(row(`  queries whose words > ${RECALL_AT} entities hold together`, pct(ours.broadShare), ''));
  console.log(
    row(
      'read_graph response (default call)',
      bytes(ours.readGraphBytes),
      r((x) => bytes(x.readGraphBytes)),
    ),
  );
  console.log(row('read_graph response (mode summary)', bytes(ours.readGraphSummaryBytes ?? 0), 'n/a'));
  const paged = ours.pagedRead!;
  console.log(
    row(
      `kg_read_graph, every page (1000/page): ms`,
      `${ms(paged.totalMs)} (${paged.pages} p)`,
      'n/a',
      `last page ${ratio(paged.lastMs, paged.firstMs)} the first (no recount per page)`,
    ),
  );
  console.log(
    row(
      'largest search response',
      bytes(ours.largestSearchBytes),
      r((x) => bytes(x.largestSearchBytes)),
    ),
  );
  console.log(
    row(
      `responses > ${bytes(STDIO_DEFAULT_MAX_BUFFER_SIZE)} (default SDK client drops)`,
      String(ours.oversized),
      r((x) => String(x.oversized)),
    ),
  );
  const rss = (x: SizeResult) => `${x.rss.idle.toFixed(0)} / ${x.rss.rss.toFixed(0)} / ${x.rss.peak.toFixed(0)}`;
  console.log(row('server RSS MiB: idle / after / peak', rss(ours), r(rss)));
  const storeRatio = ours.storeBytes / jsonlBytes;
  console.log(
    row(
      'store on disk (after close)',
      bytes(ours.storeBytes),
      r((x) => bytes(x.storeBytes)),
      `Aegis ${ratio(ours.storeBytes, jsonlBytes)} the JSONL of the same graph (goal <= 1.5x)`,
    ),
  );
  if (ours.kgBytes !== undefined)
    console.log(row('  of which the knowledge graph (dbstat)', bytes(ours.kgBytes), '', `${ratio(ours.kgBytes, jsonlBytes)} the JSONL`));
  return { size, recall: ours.recall, storeRatio, loadLead, searchLead, pagedPerEntity: paged.totalMs / size };
}

function verdicts(all: Verdict[]): void {
  const base = all[0]!;
  console.log('\n== verdicts (ratios and proportions from this run) ==');
  for (const v of all) {
    const checks = [
      `recall ${(v.recall * 100).toFixed(1)}% ${v.recall >= 0.95 ? 'meets' : 'MISSES'} >= 95%`,
      `store ${v.storeRatio.toFixed(2)}x JSONL ${v.storeRatio <= 1.5 ? 'meets' : 'MISSES'} <= 1.5x`,
      v.loadLead === undefined ? 'load: no reference' : `load lead ${v.loadLead.toFixed(1)}x ${v.loadLead >= 10 ? 'meets' : 'MISSES'} >= 10x`,
      v.searchLead === undefined ? 'search: no reference' : `search lead ${v.searchLead.toFixed(1)}x ${v.searchLead >= 10 ? 'meets' : 'MISSES'} >= 10x`,
      `paged read per entity ${(v.pagedPerEntity / base.pagedPerEntity).toFixed(2)}x that at ${base.size.toLocaleString('en')} (linear: about 1x)`,
    ];
    console.log(`  ${v.size.toLocaleString('en').padStart(7)}: ${checks.join('; ')}`);
  }
}

function argList(name: string, fallback: number[]): number[] {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : process.argv[i + 1]!.split(',').map(Number);
}

async function main(): Promise<void> {
  const sizes = argList('--sizes', (process.env.AEGIS_BENCH_KG_SIZES ?? '1000,10000,50000').split(',').map(Number));
  const refSizes = new Set(argList('--ref-sizes', sizes));
  const queries = argList('--queries', [Number(process.env.AEGIS_BENCH_KG_QUERIES ?? 200)])[0]!;
  const install = installReference();
  const reference = install.entry ? referenceFlavor(install.entry) : undefined;
  console.log(
    `workload: entities with 3-5 observations of 8-14 Zipf-distributed words (20k vocabulary), one relation each; ${queries} two-word queries per size`,
  );
  console.log(
    `queries: any two different, non-adjacent words of one observation, however many entities hold them; hit = the entity holding that observation is in the first ${RECALL_AT} results, or more than ${RECALL_AT} entities hold both words in one observation and the first ${RECALL_AT} are all such entities`,
  );
  console.log('timings are MCP round trips (SDK Client -> stdio -> server) unless marked in-process; the Aegis server is the built `ag mcp`');

  const root = mkdtempSync(join(tmpdir(), 'aegis-bench-kg-'));
  const found: Verdict[] = [];
  try {
    if (process.env.AEGIS_BENCH_KG_LOAD_ONLY === '1') {
      for (const size of sizes) {
        const work = makeWorkload(size, 0);
        const ours = await loadOnly(aegis, work, join(root, `aegis-${size}`));
        const ref =
          reference && refSizes.has(size)
            ? await loadOnly(reference, work, join(root, `reference-${size}`))
            : (install.why ?? 'not run at this size (--ref-sizes)');
        console.log(`\n== ${size.toLocaleString('en')} entities, load only ==`);
        console.log(row('', 'Aegis', 'reference', 'ratio (same run)'));
        const lead = printLoad(ours, ref);
        if (lead !== undefined) console.log(`  verdict: load lead ${lead.toFixed(1)}x ${lead >= 10 ? 'meets' : 'MISSES'} >= 10x`);
      }
      return;
    }
    for (const size of sizes) {
      const work = makeWorkload(size, queries);
      const jsonlBytes = Buffer.byteLength(toJsonl({ entities: work.entities, relations: work.relations }));
      const ourDir = join(root, `aegis-${size}`);
      const ours = await runSize(aegis, work, ourDir, join(ourDir, 'aegis.db'));
      const inProcess = inProcessSearch(join(ourDir, 'aegis.db'), work);
      let ref: SizeResult | string = install.why ?? 'not run at this size (--ref-sizes)';
      if (reference && refSizes.has(size)) {
        const refDir = join(root, `reference-${size}`);
        mkdirSync(refDir, { recursive: true });
        ref = await runSize(reference, work, refDir, join(refDir, 'memory.jsonl'));
      }
      found.push(report(size, ours, ref, inProcess, jsonlBytes));
    }
    verdicts(found);

    console.log(`\n== lost writes: 2 server processes on one store, ${LOST_WRITES_PER_WRITER} single-entity creates each, at once ==`);
    const ourLoss = await lostWrites(aegis, join(root, 'aegis-writers'));
    console.log(row('', 'Aegis', 'reference'));
    let refLoss: { expected: number; stored: number; errors: number } | undefined;
    if (reference) {
      const refDir = join(root, 'reference-writers');
      mkdirSync(refDir, { recursive: true });
      refLoss = await lostWrites(reference, refDir);
    }
    const loss = (x: { expected: number; stored: number }) => `${x.expected - x.stored} of ${x.expected}`;
    console.log(row('writes lost', loss(ourLoss), refLoss ? loss(refLoss) : '—'));
    console.log(row('calls that returned an error', String(ourLoss.errors), refLoss ? String(refLoss.errors) : '—'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Entry for `npm run bench -- memory` (test/bench/run.ts). */
export async function benchMemoryKg(): Promise<void> {
  await main();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
