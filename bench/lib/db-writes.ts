/**
 * Counts the commits other connections make to a SQLite file: a worker thread polls
 * `PRAGMA data_version` on its own read-only connection every millisecond or so. The value changes
 * whenever another connection has committed since the previous poll, so the count is a lower bound
 * (two commits between polls count once) that still tells one batched write per second from one
 * write per request: at thousands of requests per second the latter changes it on nearly every poll.
 * (The WAL file's size says less: it is reused after every checkpoint.)
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { readonly: true, fileMustExist: true });
const stop = new Int32Array(workerData.stop);
const version = db.prepare('PRAGMA data_version').pluck();
let last = version.get();
let changes = 0;
let polls = 0;
while (Atomics.load(stop, 0) === 0) {
  const v = version.get();
  polls++;
  if (v !== last) { changes++; last = v; }
  Atomics.wait(stop, 0, 0, 1);
}
db.close();
parentPort.postMessage({ changes, polls });
`;

export type CommitWatch = { stop(): Promise<{ commits: number; polls: number }> };

export async function watchCommits(path: string): Promise<CommitWatch> {
  const stop = new SharedArrayBuffer(4);
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER, { eval: true, workerData: { path, stop, driver } });
  const done = new Promise<{ commits: number; polls: number }>((resolve, reject) => {
    worker.once('message', (m: { changes: number; polls: number }) => resolve({ commits: m.changes, polls: m.polls }));
    worker.once('error', reject);
  });
  await new Promise((resolve) => worker.once('online', resolve));
  return {
    async stop() {
      const flag = new Int32Array(stop);
      Atomics.store(flag, 0, 1);
      Atomics.notify(flag, 0);
      const result = await done;
      await worker.terminate();
      return result;
    },
  };
}
