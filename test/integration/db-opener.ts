// Child process for the fresh-file race: waits for "go" on stdin, then opens each new database file
// named in argv in turn (each open turns the file to WAL and applies the migrations), so two such
// processes race on every file. Any error goes to stderr and exits 1.
import { createInterface } from 'node:readline';
import { openDatabase } from '../../src/db/open.js';

const files = process.argv.slice(2);
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
lines.once('line', () => {
  lines.close();
  for (const file of files) openDatabase(file).close();
  process.stdout.write(`opened ${files.length}\n`);
});
