/**
 * A writer process for the multi-process test: opens the database file given, says "ready", waits for
 * "go" on stdin so every writer starts at once, then writes `count` entities, relations, observations
 * on one shared entity and memory keys, one transaction per call, reading between writes.
 * Any error goes to stderr and exits 1.
 */
import { createInterface } from 'node:readline';
import { openDatabase } from '../../src/db/open.js';
import { KnowledgeGraph } from '../../src/knowledge/graph.js';
import { MemoryStore } from '../../src/memory/store.js';

const [file, writer, countArg] = process.argv.slice(2);
const count = Number(countArg);

async function main(): Promise<void> {
  const db = openDatabase(file!);
  const kg = new KnowledgeGraph(db);
  const memory = new MemoryStore(db);
  process.stdout.write('ready\n');
  const lines = createInterface({ input: process.stdin });
  await new Promise<void>((resolve) => lines.once('line', () => resolve()));
  lines.close();

  // Every writer creates the shared hub; only one wins, the other is told it exists.
  kg.createEntities([{ name: 'Hub', entityType: 'hub', observations: [] }]);
  for (let i = 0; i < count; i++) {
    const name = `w${writer}-item-${i}`;
    kg.createEntities([{ name, entityType: 'item', observations: [`written by writer ${writer}`, `item number ${i}`] }]);
    kg.createRelations([{ from: name, to: 'Hub', relationType: 'feeds' }]);
    kg.addObservations([{ entityName: 'Hub', contents: [`writer ${writer} checked in ${i}`] }]);
    memory.set({ key: `writer-${writer}/item-${i}`, value: { writer: writer ?? null, i } });
    if (i % 10 === 0) {
      kg.search({ query: `writer ${writer}`, limit: 5 });
      memory.list({ prefix: `writer-${writer}/`, limit: 5 });
    }
  }
  db.close();
  process.stdout.write(`done ${count}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`writer ${writer} failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
