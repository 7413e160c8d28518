// Child process for the two-writers test: opens the shared database and writes N rows, one
// transaction each, as fast as it can, so the two processes contend for the write lock.
import { openDatabase } from '../../src/db/open.js';

const [file, tag, count] = process.argv.slice(2);
const db = openDatabase(file!);
const insert = db.prepare('INSERT INTO leases(name, holder, expires_at) VALUES (?, ?, 0)');
for (let i = 0; i < Number(count); i++) insert.run(`w-${tag}-${i}`, tag);
db.close();
