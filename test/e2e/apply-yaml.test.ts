import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { errorOf, gqlClient, restClient, userToken } from '../helpers/clients.js';
import { startApp, type TestApp } from '../helpers/harness.js';

const library = readFileSync(new URL('../../../shared/data/standard-query-library.yml', import.meta.url), 'utf8');

const SELF_CONTAINED = `
apiVersion: v1
kind: pack
spec:
  name: pack_1
  targets: {labels: [local_machine], teams: [Platform]}
  queries:
    - {query: query1, name: query1, interval: 60, snapshot: true}
---
apiVersion: v1
kind: label
spec:
  name: local_machine
  label_membership_type: manual
  hosts: [snacbook-pro.local]
---
apiVersion: v1
kind: query
spec:
  name: query1
  query: SELECT * FROM osquery_info
---
apiVersion: v1
kind: policy
spec:
  name: Firewall on
  query: SELECT 1 FROM alf WHERE global_state >= 1;
  platform: darwin
  team: Platform
---
apiVersion: v1
kind: team
spec:
  team:
    name: Platform
    secrets: [{secret: team-secret-1}]
---
apiVersion: v1
kind: enroll_secret
spec:
  secrets: [{secret: global-secret-1}]
`;

let t: TestApp;
let rest: ReturnType<typeof restClient>;
const apply = (yaml: string, token = t.adminToken) => rest('POST', '/api/v1/fleetgraph/apply', { token, raw: yaml });
const counts = async () => {
  const r = await gqlClient(t.url)('{ savedQueries { name } policies { name } packs { name } labels { name } teams { name } }', {}, t.adminToken);
  return Object.fromEntries(Object.entries(r.data as Record<string, unknown[]>).map(([k, v]) => [k, v.length]));
};

beforeAll(async () => {
  t = await startApp();
  rest = restClient(t.url);
});

describe('POST /api/v1/fleetgraph/apply', () => {
  it("should apply Fleet's standard query library as it is", async () => {
    const r = await apply(library);
    expect({ status: r.status, body: r.body }).toEqual({
      status: 200,
      body: { applied: { queries: { created: 50, updated: 0 }, policies: { created: 48, updated: 0 } } },
    });
    const q = await rest('GET', '/api/v1/fleet/spec/queries/Get OpenSSL versions', { token: t.adminToken });
    expect(q.body.specs).toMatchObject({ name: 'Get OpenSSL versions', description: 'Retrieves the OpenSSL version.' });
  });

  it('should report updates when the same file is applied again', async () => {
    const r = await apply(library);
    expect(r.body).toEqual({ applied: { queries: { created: 0, updated: 50 }, policies: { created: 0, updated: 48 } } });
  });

  it('should resolve names defined anywhere in the same file', async () => {
    const r = await apply(SELF_CONTAINED);
    expect(r.status).toBe(200);
    expect(r.body.applied).toEqual({
      queries: { created: 1, updated: 0 },
      labels: { created: 1, updated: 0 },
      teams: { created: 1, updated: 0 },
      enroll_secrets: { created: 1, updated: 0 },
      packs: { created: 1, updated: 0 },
      policies: { created: 1, updated: 0 },
    });
    const pack = await rest('GET', '/api/v1/fleet/spec/packs/pack_1', { token: t.adminToken });
    expect(pack.body.specs.targets).toEqual({ labels: ['local_machine'], teams: ['Platform'] });
    const secrets = await rest('GET', '/api/v1/fleet/spec/enroll_secret', { token: t.adminToken });
    expect(secrets.body.spec.secrets.map((s: { secret: string }) => s.secret)).toEqual(['global-secret-1']);
  });

  it('should write nothing when any document is invalid', async () => {
    const before = await counts();
    const bad = `${SELF_CONTAINED.replaceAll('pack_1', 'pack_2').replaceAll('query1', 'query2')}
---
apiVersion: v1
kind: policy
spec: {name: Broken, query: SELECT 1, platform: solaris}
`;
    const r = await apply(bad);
    expect(errorOf(r)).toEqual({
      status: 400,
      message: 'Bad request',
      errors: [{ name: 'base', reason: 'policy spec payload verification: invalid policy platform' }],
    });
    expect(await counts()).toEqual(before);
  });

  it.each([
    ['apiVersion: v1\nkind: gadget\nspec: {name: x}\n', 'document 1: unknown kind "gadget"'],
    ['apiVersion: v1\nkind: query\n', 'document 1: missing spec'],
    ['apiVersion: v2\nkind: query\nspec: {name: x, query: SELECT 1}\n', 'document 1: unsupported apiVersion "v2"'],
    ['apiVersion: v1\nkind: query\nspec: {name: [1, 2], query: SELECT 1}\n', 'document 1: invalid spec at name: Invalid input: expected string, received array'],
    ['kind: query\nspec: {name: x\n', 'document 1: Flow map in block collection must be sufficiently indented and end with a } at line 3, column 1'],
  ])('should refuse %j with 400 and the reason', async (yaml, reason) => {
    const r = await apply(yaml);
    expect(errorOf(r)).toEqual({ status: 400, message: 'Bad request', errors: [{ name: 'base', reason }] });
  });

  it('should check each kind against the caller’s role', async () => {
    const observer = await userToken(t, 'yaml-observer@example.com', { global_role: 'observer' });
    const r = await apply('apiVersion: v1\nkind: query\nspec: {name: x, query: SELECT 1}\n', observer);
    expect(errorOf(r)).toEqual({ status: 403, message: 'forbidden', errors: [{ name: 'base', reason: 'forbidden' }] });
  });

  it('should require authentication', async () => {
    expect((await rest('POST', '/api/v1/fleetgraph/apply', { raw: library })).status).toBe(401);
  });
});
