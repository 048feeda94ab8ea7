/**
 * Baseline of the `checkins` benchmark: raw node:http reading the request body and answering
 * {"queries":{}}, which is all an empty distributed/read can be.
 *
 *   node --import tsx bench/baselines/checkins.ts
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const EMPTY = '{"queries":{}}';

const server = createServer((req, res) => {
  req.on('data', () => undefined);
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': EMPTY.length });
    res.end(EMPTY);
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`baseline listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
