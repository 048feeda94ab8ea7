/**
 * Baseline of the `fanout` and `memory` benchmarks: a bare `ws` relay. Agents talk to it with
 * the same simulator over the same osquery endpoints, answered with the least an agent needs
 * (a node key, an empty config, the current campaign's query until the host has answered it); each
 * live query answer is serialized once as `{"campaign_id","host","rows"}` and sent to every socket
 * connected at /relay. No database, no authentication, no ordering or replay guarantees.
 *
 *   node --import tsx bench/baselines/relay.ts        POST /campaign {"sql"} → {"id"} starts a campaign
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

const LIVE = 'fleet_distributed_query_';
let campaign: { id: number; sql: string } | null = null;
let answered = new Set<string>();
let nextId = 1;

const wss = new WebSocketServer({ noServer: true });

const send = (res: ServerResponse, body: string) => {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  res.end(body);
};

type Body = { node_key?: string; queries?: Record<string, unknown[]>; sql?: string };

const handle = (req: IncomingMessage, res: ServerResponse, body: Body) => {
  switch (req.url) {
    case '/api/osquery/enroll':
      return send(res, JSON.stringify({ node_key: randomBytes(24).toString('base64') }));
    case '/api/osquery/config':
      return send(res, '{}');
    case '/api/osquery/distributed/read':
      if (campaign && !answered.has(body.node_key ?? '')) return send(res, JSON.stringify({ queries: { [LIVE + campaign.id]: campaign.sql } }));
      return send(res, '{"queries":{}}');
    case '/api/osquery/distributed/write': {
      for (const [name, rows] of Object.entries(body.queries ?? {})) {
        if (!campaign || name !== LIVE + campaign.id) continue;
        answered.add(body.node_key ?? '');
        const frame = JSON.stringify({ campaign_id: campaign.id, host: body.node_key, rows });
        for (const ws of wss.clients) ws.send(frame);
      }
      return send(res, '{}');
    }
    case '/campaign':
      campaign = { id: nextId++, sql: body.sql ?? 'SELECT 1' };
      answered = new Set();
      return send(res, JSON.stringify({ id: campaign.id }));
    default:
      res.writeHead(404).end();
  }
};

const server = createServer((req, res) => {
  const parts: Buffer[] = [];
  req.on('data', (c: Buffer) => parts.push(c));
  req.on('end', () => handle(req, res, parts.length > 0 ? (JSON.parse(Buffer.concat(parts).toString()) as Body) : {}));
});
server.on('upgrade', (req, socket, head) => {
  if (req.url === '/relay') wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  else socket.destroy();
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`relay listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => {
  for (const ws of wss.clients) ws.terminate();
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
