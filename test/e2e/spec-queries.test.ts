import { beforeAll, describe, expect, it } from 'vitest';
import { testClock } from '../helpers/agents.js';
import { errorOf, gqlClient, restClient, userToken } from '../helpers/clients.js';
import { startApp, type TestApp } from '../helpers/harness.js';

let t: TestApp;
let rest: ReturnType<typeof restClient>;
let observer: string;

beforeAll(async () => {
  t = await startApp();
  rest = restClient(t.url);
  observer = await userToken(t, 'obs@example.com', { global_role: 'observer' });
});

describe('authentication of user routes', () => {
  it('should answer 401 "Authorization header required" without a token', async () => {
    expect(errorOf(await rest('GET', '/api/v1/fleet/spec/queries'))).toEqual({
      status: 401,
      message: 'Authorization header required',
      errors: [{ name: 'base', reason: 'Authorization header required' }],
    });
  });

  it('should answer 401 "Authentication required" for an unknown token', async () => {
    expect(errorOf(await rest('GET', '/api/v1/fleet/spec/queries', { token: 'nope' }))).toEqual({
      status: 401,
      message: 'Authentication required',
      errors: [{ name: 'base', reason: 'Authentication required' }],
    });
  });

  it('should accept a lower-case bearer scheme', async () => {
    const r = await rest('GET', '/api/v1/fleet/spec/queries', { headers: { authorization: `bearer ${t.adminToken}` } });
    expect(r.status).toBe(200);
  });

  it('should not take the token from the query string', async () => {
    expect((await rest('GET', `/api/v1/fleet/spec/queries?token=${t.adminToken}`)).status).toBe(401);
  });
});

describe('GET /spec/queries', () => {
  it('should answer an empty array when there are no queries, under every API version', async () => {
    const fresh = await startApp();
    const r = restClient(fresh.url);
    for (const v of ['v1', '2022-04', 'latest']) {
      const got = await r('GET', `/api/${v}/fleet/spec/queries`, { token: fresh.adminToken });
      expect({ status: got.status, body: got.body }).toEqual({ status: 200, body: { specs: [] } });
    }
  });

  it('should answer 404 for unknown API versions and the literal _version_', async () => {
    for (const v of ['v2', '_version_']) {
      const got = await rest('GET', `/api/${v}/fleet/spec/queries`, { token: t.adminToken });
      expect(errorOf(got)).toEqual({ status: 404, message: 'Resource Not Found', errors: [{ name: 'base', reason: 'Resource Not Found' }] });
    }
  });

  it('should answer 405 for a known path with the wrong method', async () => {
    expect((await rest('DELETE', '/api/v1/fleet/spec/queries', { token: t.adminToken })).status).toBe(405);
  });
});

describe('POST /spec/queries', () => {
  it('should create, then update in place, keeping one query per name', async () => {
    const first = await rest('POST', '/api/v1/fleet/spec/queries', {
      token: t.adminToken,
      body: { specs: [{ name: 'q1', query: 'SELECT 1', description: 'd' }] },
    });
    expect({ status: first.status, body: first.body }).toEqual({ status: 200, body: {} });
    const got = await rest('GET', '/api/latest/fleet/spec/queries/q1', { token: t.adminToken });
    expect(got.body).toEqual({ specs: { name: 'q1', description: 'd', query: 'SELECT 1' } });

    await rest('POST', '/api/v1/fleet/spec/queries', { token: t.adminToken, body: { specs: [{ name: 'q1', query: 'SELECT 2' }] } });
    const list = await rest('GET', '/api/v1/fleet/spec/queries', { token: t.adminToken });
    const q1 = (list.body.specs as { name: string }[]).filter((s) => s.name === 'q1');
    expect(q1).toEqual([{ name: 'q1', query: 'SELECT 2' }]);
  });

  it('should leave queries a re-apply does not change untouched, and stamp only those it changes', async () => {
    const clock = testClock();
    const app = await startApp({}, { clock: clock.now });
    const apply = (specs: object[]) => restClient(app.url)('POST', '/api/v1/fleet/spec/queries', { token: app.adminToken, body: { specs } });
    const stamps = async () => {
      const r = await gqlClient(app.url)('{ savedQueries { name updatedAt } }', {}, app.adminToken);
      return Object.fromEntries((r.data.savedQueries as { name: string; updatedAt: string }[]).map((q) => [q.name, q.updatedAt]));
    };
    const specs = [{ name: 'same', query: 'SELECT 1', description: 'd' }, { name: 'edited', query: 'SELECT 2' }];
    expect((await apply(specs)).status).toBe(200);
    const before = await stamps();
    clock.advance(60);
    expect((await apply([specs[0]!, { name: 'edited', query: 'SELECT 3' }])).status).toBe(200);
    const after = await stamps();
    expect(after.same).toBe(before.same);
    expect(Date.parse(after.edited!) - Date.parse(before.edited!)).toBe(60_000);
  });

  it('should let an observer read queries', async () => {
    expect((await rest('GET', '/api/v1/fleet/spec/queries/q1', { token: observer })).status).toBe(200);
  });

  it('should answer 404 with Fleet error body for an unknown query name', async () => {
    expect(errorOf(await rest('GET', '/api/v1/fleet/spec/queries/nope', { token: t.adminToken }))).toEqual({
      status: 404,
      message: 'Resource Not Found',
      errors: [{ name: 'base', reason: 'Query nope was not found in the datastore' }],
    });
  });

  it.each([
    [{ name: ' ', query: 'SELECT 1' }, 'query payload verification: query name cannot be empty'],
    [{ name: 'q2', query: '' }, "query payload verification: query's SQL query cannot be empty"],
    [{ name: 'q3', query: "ATTACH '/tmp/x' AS y" }, "query payload verification: invalid query's SQL"],
  ])('should refuse %j with 400 and write nothing', async (spec, reason) => {
    const r = await rest('POST', '/api/v1/fleet/spec/queries', {
      token: t.adminToken,
      body: { specs: [{ name: 'ok-but-rolled-back', query: 'SELECT 1' }, spec] },
    });
    expect(errorOf(r)).toEqual({ status: 400, message: 'Bad request', errors: [{ name: 'base', reason }] });
    expect((await rest('GET', '/api/v1/fleet/spec/queries/ok-but-rolled-back', { token: t.adminToken })).status).toBe(404);
  });

  it('should refuse an observer with 403 forbidden', async () => {
    const r = await rest('POST', '/api/v1/fleet/spec/queries', { token: observer, body: { specs: [{ name: 'x', query: 'SELECT 1' }] } });
    expect(errorOf(r)).toEqual({ status: 403, message: 'forbidden', errors: [{ name: 'base', reason: 'forbidden' }] });
  });

  it('should answer 400 "Expected JSON Body" for an empty body, before authentication', async () => {
    expect(errorOf(await rest('POST', '/api/v1/fleet/spec/queries'))).toEqual({
      status: 400,
      message: 'Bad request',
      errors: [{ name: 'base', reason: 'Expected JSON Body' }],
    });
  });

  it('should take a JSON null body as an empty one, as Go decodes it: nothing to apply', async () => {
    const before = await rest('GET', '/api/v1/fleet/spec/queries', { token: t.adminToken });
    const r = await rest('POST', '/api/v1/fleet/spec/queries', { token: t.adminToken, raw: 'null' });
    expect({ status: r.status, body: r.body }).toEqual({ status: 200, body: {} });
    expect((await rest('GET', '/api/v1/fleet/spec/queries', { token: t.adminToken })).body).toEqual(before.body);
  });

  it('should answer 400 "json decoder error" for malformed JSON and for wrong types', async () => {
    for (const raw of ['{bad', '{"specs":[{"name":1}]}', '{"specs":{}}']) {
      expect(errorOf(await rest('POST', '/api/v1/fleet/spec/queries', { token: t.adminToken, raw }))).toEqual({
        status: 400,
        message: 'Bad request',
        errors: [{ name: 'base', reason: 'json decoder error' }],
      });
    }
  });
});
