import type { TestApp } from './harness.js';
import { PASSWORD } from './harness.js';

export type Reply<T = any> = { status: number; body: T; headers: Headers }; // eslint-disable-line @typescript-eslint/no-explicit-any

/** A Fleet REST client: JSON in, JSON out, every status returned rather than thrown. */
export function restClient(url: string) {
  return async function rest(
    method: string,
    path: string,
    opts: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {},
  ): Promise<Reply> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
    const body = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
    const res = await fetch(url + path, { method, headers, body, redirect: 'manual' });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
}

export type GqlReply = {
  data?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  errors?: { message: string; path?: string[]; extensions?: { code?: string; invalid?: { name: string; reason: string }[] } }[];
};

/** A GraphQL-over-HTTP client. */
export function gqlClient(url: string) {
  return async function gql(query: string, variables: Record<string, unknown> = {}, token?: string): Promise<GqlReply & { status: number }> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const res = await fetch(`${url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    return { status: res.status, ...((await res.json()) as GqlReply) };
  };
}

/** Creates a user through the API and logs in as them; returns their session token. */
export async function userToken(
  t: TestApp,
  email: string,
  role: { global_role?: string; teams?: { id: number; role: string }[] },
): Promise<string> {
  const rest = restClient(t.url);
  const created = await rest('POST', '/api/v1/fleet/users/admin', {
    token: t.adminToken,
    body: { name: email.split('@')[0], email, password: PASSWORD, ...role },
  });
  if (created.status !== 200) throw new Error(`creating ${email}: ${created.status} ${JSON.stringify(created.body)}`);
  const login = await rest('POST', '/api/v1/fleet/login', { body: { email, password: PASSWORD } });
  return login.body.token as string;
}

/** Fleet error bodies carry a random uuid; tests compare the rest. */
export const errorOf = (r: Reply) => ({ status: r.status, message: r.body?.message, errors: r.body?.errors });
