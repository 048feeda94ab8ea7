/**
 * osquery's TLS remote API at Fleet's paths (/api/osquery/... and /api/v1/osquery/..., never
 * versioned otherwise). Errors use osquery's `{"error", "node_invalid"}` body.
 */
import { z } from 'zod';
import * as agents from '../../resolvers/agents.js';
import { BadRequestError } from '../../resolvers/errors.js';
import type { BodyCheck } from '../http.js';
import { route, type Route, type RouteRequest } from '../router.js';

type NodeKeyBody = { node_key?: string | null };

/**
 * `{"node_key": …}` plus whatever else osquery sends, as `z.object(…).loose()` would take it, but
 * checked by hand and not copied: every check-in has one (zod was 0.8 % of an empty check-in).
 */
const nodeKeyBody: BodyCheck<NodeKeyBody> = {
  safeParse(value) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { success: false };
    const key = (value as { node_key?: unknown }).node_key;
    return key === undefined || key === null || typeof key === 'string' ? { success: true, data: value as NodeKeyBody } : { success: false };
  },
};

const enrollBody = z.object({
  enroll_secret: z.string().default(''),
  host_identifier: z.string().default(''),
  host_details: z.record(z.string(), z.record(z.string(), z.unknown())).nullish(),
});

/** osquery sends every column as a string; anything else is stringified rather than refused. */
const cell = z.unknown().transform((v) => (typeof v === 'string' ? v : v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)));
const rows = z.union([z.array(z.record(z.string(), cell)), z.literal('')]).transform((r) => (r === '' ? [] : r));
const status = z.union([z.number(), z.string()]);

const writeBody = z.object({
  node_key: z.string().nullish(),
  queries: z.record(z.string(), rows.nullable()).nullish(),
  statuses: z.record(z.string(), status).nullish(),
  messages: z.record(z.string(), z.string()).nullish(),
});

const logBody = z.object({
  node_key: z.string().nullish(),
  log_type: z.string().default(''),
  data: z.array(z.unknown()).nullish(),
});

const toStatus = (v: number | string): number => {
  const n = typeof v === 'number' ? v : Number(v.trim());
  if (typeof v === 'string' && (v.trim() === '' || !Number.isFinite(n))) throw new BadRequestError('query status should be string or number');
  return n;
};

const stringify = (row: Record<string, unknown>) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, String(v ?? '')]));

const osqueryRoutes = (base: string): Route[] => {
  const agentRoute = <B extends NodeKeyBody>(
    path: string,
    body: BodyCheck<B>,
    handle: (r: RouteRequest<B>, host: Awaited<ReturnType<typeof agents.authenticateAgent>>) => Promise<unknown>,
  ) =>
    route({
      method: 'POST',
      path: base + path,
      absolute: true,
      public: true,
      errorShape: 'osquery',
      body,
      handle: async (r) => ({ body: await handle(r, await agents.authenticateAgent(r.ctx, r.body.node_key ?? undefined)) }),
    });

  return [
    route({
      method: 'POST',
      path: `${base}/enroll`,
      absolute: true,
      public: true,
      errorShape: 'osquery',
      body: enrollBody,
      handle: async ({ ctx, body }) => {
        const hostDetails = Object.fromEntries(Object.entries(body.host_details ?? {}).map(([k, v]) => [k, stringify(v)]));
        const { nodeKey } = await agents.enroll(ctx, {
          enrollSecret: body.enroll_secret,
          hostIdentifier: body.host_identifier,
          hostDetails,
        });
        return { body: { node_key: nodeKey } };
      },
    }),
    agentRoute('/config', nodeKeyBody, ({ ctx }, host) => agents.agentConfig(ctx, host)),
    agentRoute('/distributed/read', nodeKeyBody, ({ ctx }, host) => agents.distributedRead(ctx, host)),
    agentRoute('/distributed/write', writeBody, async ({ ctx, body, req }, host) => {
      const statuses = Object.fromEntries(Object.entries(body.statuses ?? {}).map(([k, v]) => [k, toStatus(v)]));
      const queries = Object.fromEntries(Object.entries(body.queries ?? {}).map(([k, v]) => [k, v ?? []]));
      const problems: string[] = [];
      await agents.distributedWrite(ctx, host, { queries, statuses, messages: body.messages ?? {} }, (p) => problems.push(p));
      if (problems.length > 0) (req as { ingestProblems?: string[] }).ingestProblems = problems;
      return {};
    }),
    agentRoute('/log', logBody, async ({ ctx, body }, host) => {
      if (body.log_type !== 'status' && body.log_type !== 'result') throw new BadRequestError(`unknown log type "${body.log_type}"`);
      agents.writeAgentLog(ctx, host, body.log_type, body.data ?? []);
      return {};
    }),
  ];
};

export const agentRoutes: Route[] = [...osqueryRoutes('/api/osquery'), ...osqueryRoutes('/api/v1/osquery')];
