/**
 * A raw osquery agent for e2e tests: plain fetch against the TLS remote API, no simulator.
 * Every function returns what the server said; only `enroll` throws when it is refused.
 */

export type AgentReply<T = any> = { status: number; body: T }; // eslint-disable-line @typescript-eslint/no-explicit-any
export type Rows = Record<string, string>[];

/** POSTs a JSON value (or a raw string) to an osquery path such as `/api/osquery/config`. */
export async function osquery(url: string, path: string, body: unknown, opts: { raw?: string } = {}): Promise<AgentReply> {
  const res = await fetch(url + path, { method: 'POST', body: opts.raw ?? JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, body: parsed };
}

/** The host_details osquery sends when it enrolls. */
export type HostFacts = {
  hostname?: string;
  platform?: string;
  osName?: string;
  osVersion?: { major: string; minor: string; patch: string };
  osqueryVersion?: string;
  uuid?: string;
  serial?: string;
};

export function hostDetails(f: HostFacts): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  if (f.platform !== undefined || f.osName !== undefined) {
    out.os_version = {
      name: f.osName ?? '',
      platform: f.platform ?? '',
      platform_like: f.platform ?? '',
      ...(f.osVersion ?? {}),
    };
  }
  if (f.osqueryVersion !== undefined) out.osquery_info = { version: f.osqueryVersion };
  if (f.hostname !== undefined || f.uuid !== undefined || f.serial !== undefined) {
    out.system_info = { hostname: f.hostname ?? '', uuid: f.uuid ?? '', hardware_serial: f.serial ?? '' };
  }
  return out;
}

/** Enrolls and answers the node key; throws when the server refuses. */
export async function enroll(
  url: string,
  secret: string,
  identifier: string,
  details: Record<string, Record<string, string>> = {},
  path = '/api/osquery/enroll',
): Promise<string> {
  const r = await osquery(url, path, { enroll_secret: secret, host_identifier: identifier, host_details: details });
  if (r.status !== 200 || typeof r.body?.node_key !== 'string') throw new Error(`enroll ${identifier}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.node_key as string;
}

export const agentConfig = (url: string, nodeKey: string): Promise<AgentReply> => osquery(url, '/api/osquery/config', { node_key: nodeKey });

export const distributedRead = (url: string, nodeKey: string): Promise<AgentReply<{ queries: Record<string, string>; accelerate?: number }>> =>
  osquery(url, '/api/osquery/distributed/read', { node_key: nodeKey });

export type Answers = {
  queries?: Record<string, Rows | '' | null>;
  statuses?: Record<string, number | string>;
  messages?: Record<string, string>;
};

export const distributedWrite = (url: string, nodeKey: string, answers: Answers): Promise<AgentReply> =>
  osquery(url, '/api/osquery/distributed/write', { node_key: nodeKey, ...answers });

/** Answers queries the way osquery does (status 0 for each) and expects 200 `{}`. */
export async function checkIn(url: string, nodeKey: string, queries: Record<string, Rows | ''>): Promise<void> {
  const statuses = Object.fromEntries(Object.keys(queries).map((k) => [k, 0]));
  const r = await distributedWrite(url, nodeKey, { queries, statuses });
  if (r.status !== 200) throw new Error(`check-in: ${r.status} ${JSON.stringify(r.body)}`);
}

export const sendLog = (url: string, nodeKey: string, logType: string, data: unknown[]): Promise<AgentReply> =>
  osquery(url, '/api/osquery/log', { node_key: nodeKey, log_type: logType, data });

export const detail = (name: string) => `fleet_detail_query_${name}`;
export const labelQuery = (id: number) => `fleet_label_query_${id}`;
export const policyQuery = (id: number) => `fleet_policy_query_${id}`;

/** Answers for the osquery_flags detail query. */
export const flagRows = (distributedInterval: number, configTlsRefresh: number, loggerTlsPeriod = 10): Rows => [
  { name: 'distributed_interval', value: String(distributedInterval) },
  { name: 'config_tls_refresh', value: String(configTlsRefresh) },
  { name: 'logger_tls_period', value: String(loggerTlsPeriod) },
];

/** A fake clock the server reads; tests move it forward. */
export function testClock(start = new Date('2024-03-01T12:00:00Z')) {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    advance(seconds: number) {
      now += seconds * 1000;
    },
    set(at: Date) {
      now = at.getTime();
    },
  };
}
