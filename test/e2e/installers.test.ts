/**
 * download_installer, black-box: installers are files laid out as
 * `<installers dir>/<enroll_secret>/[desktop/]fleet-osquery.<kind>`, the secrets are real enroll
 * secrets, and the user's token comes as a form field or an Authorization header.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { errorOf, gqlClient, restClient, userToken, type Reply } from '../helpers/clients.js';
import { startApp, type TestApp } from '../helpers/harness.js';

const GLOBAL = 'global-secret';
const T1 = 't1-secret';
const T2 = 't2-secret';

const FORBIDDEN = { status: 403, message: 'forbidden', errors: [{ name: 'base', reason: 'forbidden' }] };
const badRequest = (reason: string) => ({ status: 400, message: 'Bad request', errors: [{ name: 'base', reason }] });
const NO_SUCH_SECRET = badRequest('no matching enroll secret found');
const UNSAFE_SECRET = badRequest('enroll_secret cannot contain path separators or NUL, nor be "." or ".."');

let t: TestApp;
let rest: ReturnType<typeof restClient>;
let store: string;
let outside: string;
let maintainer: string;
let observer: string;
let gitops: string;
let t1Admin: string;
let t1Maintainer: string;
let t1Observer: string;

/** Bytes by path relative to the installers dir, as written. */
const files = new Map<string, Buffer>();

function put(root: string, path: string, bytes: Buffer = randomBytes(1024)): Buffer {
  const full = join(root, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, bytes);
  return bytes;
}

const install = (path: string, bytes?: Buffer) => files.set(path, put(store, path, bytes));

/** A browser form POST: fields urlencoded, no Authorization header unless given. */
async function download(kind: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(`${t.url}/api/v1/fleet/download_installer/${kind}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** The Fleet error a download answered, or the bytes when it was not an error. */
const failure = (r: Awaited<ReturnType<typeof download>>) => {
  const body = JSON.parse(r.bytes.toString('utf8')) as { message: string; errors: unknown };
  return { status: r.status, message: body.message, errors: body.errors };
};

/** `token` null sends no Authorization header. */
async function head(kind: string, params: Record<string, string>, token: string | null = t.adminToken) {
  const res = await fetch(`${t.url}/api/v1/fleet/download_installer/${kind}?${new URLSearchParams(params).toString()}`, {
    method: 'HEAD',
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });
  return { status: res.status, body: await res.text() };
}

beforeAll(async () => {
  t = await startApp();
  rest = restClient(t.url);
  store = join(t.dir, 'installers');
  outside = join(t.dir, 'outside');
  const gql = gqlClient(t.url);

  // Secrets may be any string: some here would walk out of the store if used as a path.
  const traversing = ['..', '../outside', join(outside, 'abs'), 'nested/dir', 'back\\slash', 'linked', 'linked-dir'];
  const applied = await rest('POST', '/api/v1/fleet/spec/enroll_secret', {
    token: t.adminToken,
    body: { spec: { secrets: [GLOBAL, ...traversing].map((secret) => ({ secret })) } },
  });
  expect(applied.status).toBe(200);
  const teams = await rest('POST', '/api/v1/fleet/spec/teams', {
    token: t.adminToken,
    body: { specs: [{ name: 'T1', secrets: [{ secret: T1 }] }, { name: 'T2', secrets: [{ secret: T2 }] }] },
  });
  expect(teams.status).toBe(200);
  const ids = (await gql('{ teams { id name } }', {}, t.adminToken)).data.teams as { id: string; name: string }[];
  const t1Id = Number(ids.find((x) => x.name === 'T1')!.id);

  maintainer = await userToken(t, 'maint@example.com', { global_role: 'maintainer' });
  observer = await userToken(t, 'obs@example.com', { global_role: 'observer' });
  gitops = await userToken(t, 'gitops@example.com', { global_role: 'gitops' });
  t1Admin = await userToken(t, 't1-admin@example.com', { teams: [{ id: t1Id, role: 'admin' }] });
  t1Maintainer = await userToken(t, 't1-maint@example.com', { teams: [{ id: t1Id, role: 'maintainer' }] });
  t1Observer = await userToken(t, 't1-obs@example.com', { teams: [{ id: t1Id, role: 'observer' }] });

  install(`${GLOBAL}/fleet-osquery.pkg`, randomBytes(3 * 1024 * 1024 + 17));
  install(`${GLOBAL}/desktop/fleet-osquery.pkg`);
  install(`${GLOBAL}/fleet-osquery.msi`);
  install(`${GLOBAL}/fleet-osquery.deb`);
  install(`${T1}/fleet-osquery.rpm`);
  install(`${T2}/fleet-osquery.rpm`);
  install('nested/dir/fleet-osquery.pkg');
  install('back\\slash/fleet-osquery.pkg');
  install(`${GLOBAL}/fleet-osquery.rpm/placeholder`); // a directory where a file should be
  // Decoys outside the store, where a traversing secret would lead.
  put(t.dir, 'fleet-osquery.pkg');
  put(t.dir, 'outside/fleet-osquery.pkg');
  put(outside, 'abs/fleet-osquery.pkg');
  put(outside, 'linked-dir/fleet-osquery.pkg');
  put(outside, 'target.pkg');
  // Symlinks inside the store that lead out of it.
  mkdirSync(join(store, 'linked'), { recursive: true });
  symlinkSync(join(outside, 'target.pkg'), join(store, 'linked', 'fleet-osquery.pkg'));
  symlinkSync(join(outside, 'linked-dir'), join(store, 'linked-dir'));
});

describe('POST /download_installer/:kind', () => {
  it('should stream the installer with Fleet headers when the token comes as a form field', async () => {
    const r = await download('pkg', { enroll_secret: GLOBAL, token: t.adminToken });
    const expected = files.get(`${GLOBAL}/fleet-osquery.pkg`)!;
    expect({
      status: r.status,
      type: r.headers.get('content-type'),
      length: r.headers.get('content-length'),
      disposition: r.headers.get('content-disposition'),
      nosniff: r.headers.get('x-content-type-options'),
    }).toEqual({
      status: 200,
      type: 'application/octet-stream',
      length: String(expected.length),
      disposition: 'attachment;filename="fleet-osquery.pkg"',
      nosniff: 'nosniff',
    });
    expect(r.bytes.equals(expected)).toBe(true);
  });

  it('should serve every kind under every API version', async () => {
    for (const v of ['v1', '2022-04', 'latest']) {
      for (const kind of ['pkg', 'msi', 'deb']) {
        const res = await fetch(`${t.url}/api/${v}/fleet/download_installer/${kind}`, {
          method: 'POST',
          body: new URLSearchParams({ enroll_secret: GLOBAL, token: t.adminToken }).toString(),
        });
        expect({ kind, v, status: res.status, same: Buffer.from(await res.arrayBuffer()).equals(files.get(`${GLOBAL}/fleet-osquery.${kind}`)!) }).toEqual({
          kind,
          v,
          status: 200,
          same: true,
        });
      }
    }
  });

  it('should serve the Fleet Desktop variant when desktop is true', async () => {
    const r = await download('pkg', { enroll_secret: GLOBAL, desktop: 'true', token: t.adminToken });
    expect({ status: r.status, disposition: r.headers.get('content-disposition') }).toEqual({
      status: 200,
      disposition: 'attachment;filename="fleet-osquery.pkg"',
    });
    expect(r.bytes.equals(files.get(`${GLOBAL}/desktop/fleet-osquery.pkg`)!)).toBe(true);
  });

  it('should serve the plain variant when desktop is false or unparsable', async () => {
    for (const desktop of ['false', '0', 'yes']) {
      const r = await download('pkg', { enroll_secret: GLOBAL, desktop, token: t.adminToken });
      expect(r.bytes.equals(files.get(`${GLOBAL}/fleet-osquery.pkg`)!)).toBe(true);
    }
  });

  it('should accept the token from the Authorization header instead', async () => {
    const r = await download('msi', { enroll_secret: GLOBAL }, { authorization: `Bearer ${t.adminToken}` });
    expect(r.status).toBe(200);
    expect(r.bytes.equals(files.get(`${GLOBAL}/fleet-osquery.msi`)!)).toBe(true);
  });

  it('should answer 400 for a missing installer', async () => {
    expect(failure(await download('pkg', { enroll_secret: T1, token: t.adminToken }))).toEqual(
      badRequest('no fleet-osquery.pkg installer for this enroll secret'),
    );
    expect(failure(await download('deb', { enroll_secret: GLOBAL, desktop: 'true', token: t.adminToken }))).toEqual(
      badRequest('no fleet-osquery.deb installer with Fleet Desktop for this enroll secret'),
    );
  });

  it('should answer 400 when a directory stands where the installer should be', async () => {
    expect(failure(await download('rpm', { enroll_secret: GLOBAL, token: t.adminToken }))).toEqual(
      badRequest('no fleet-osquery.rpm installer for this enroll secret'),
    );
  });

  it('should answer 400 for a kind other than pkg, msi, deb and rpm', async () => {
    for (const kind of ['exe', 'PKG', 'zip']) {
      expect(failure(await download(kind, { enroll_secret: GLOBAL, token: t.adminToken }))).toEqual(
        badRequest(`invalid installer kind "${kind}": must be one of pkg, msi, deb, rpm`),
      );
    }
  });

  it('should answer 400 for an unknown enroll secret', async () => {
    expect(failure(await download('pkg', { enroll_secret: 'nope', token: t.adminToken }))).toEqual(NO_SUCH_SECRET);
  });

  it('should answer 400 without an enroll secret', async () => {
    expect(failure(await download('pkg', { token: t.adminToken }))).toEqual(badRequest('enroll_secret is required'));
  });

  it('should answer 401 "Authorization header required" without any token', async () => {
    expect(failure(await download('pkg', { enroll_secret: GLOBAL }))).toEqual({
      status: 401,
      message: 'Authorization header required',
      errors: [{ name: 'base', reason: 'Authorization header required' }],
    });
  });

  it('should answer 401 "Authentication required" for an unknown token, in the form or the header', async () => {
    const authRequired = { status: 401, message: 'Authentication required', errors: [{ name: 'base', reason: 'Authentication required' }] };
    expect(failure(await download('pkg', { enroll_secret: GLOBAL, token: 'nope' }))).toEqual(authRequired);
    // A well-formed header wins over the form field, as in Fleet.
    expect(failure(await download('pkg', { enroll_secret: GLOBAL, token: t.adminToken }, { authorization: 'Bearer nope' }))).toEqual(authRequired);
  });

  it('should not take the token from the query string', async () => {
    const res = await fetch(`${t.url}/api/v1/fleet/download_installer/pkg?token=${t.adminToken}`, {
      method: 'POST',
      body: new URLSearchParams({ enroll_secret: GLOBAL }).toString(),
    });
    expect(res.status).toBe(401);
  });

  it('should check the user before anything else', async () => {
    expect(failure(await download('exe', { enroll_secret: 'nope' })).status).toBe(401);
    expect(failure(await download('exe', { enroll_secret: 'nope', token: observer }))).toEqual(FORBIDDEN);
  });
});

describe('who may download', () => {
  it('should let global admins and maintainers download with any secret', async () => {
    for (const token of [t.adminToken, maintainer]) {
      expect((await download('pkg', { enroll_secret: GLOBAL, token })).status).toBe(200);
      expect((await download('rpm', { enroll_secret: T2, token })).status).toBe(200);
    }
  });

  it('should answer 403 to global observers and gitops users and to team observers', async () => {
    for (const token of [observer, gitops, t1Observer]) {
      expect(failure(await download('pkg', { enroll_secret: GLOBAL, token }))).toEqual(FORBIDDEN);
      expect(failure(await download('rpm', { enroll_secret: T1, token }))).toEqual(FORBIDDEN);
    }
  });

  it("should let team admins and maintainers download with their team's secret", async () => {
    for (const token of [t1Admin, t1Maintainer]) {
      const r = await download('rpm', { enroll_secret: T1, token });
      expect(r.status).toBe(200);
      expect(r.bytes.equals(files.get(`${T1}/fleet-osquery.rpm`)!)).toBe(true);
    }
  });

  it('should answer team admins and maintainers as if other secrets did not exist', async () => {
    for (const token of [t1Admin, t1Maintainer]) {
      expect(failure(await download('rpm', { enroll_secret: T2, token }))).toEqual(NO_SUCH_SECRET);
      expect(failure(await download('pkg', { enroll_secret: GLOBAL, token }))).toEqual(NO_SUCH_SECRET);
    }
  });
});

describe('path traversal', () => {
  it('should refuse stored secrets that hold path separators or dot segments, never serving the file they lead to', async () => {
    for (const secret of ['..', '../outside', join(outside, 'abs'), 'nested/dir', 'back\\slash']) {
      expect({ secret, ...failure(await download('pkg', { enroll_secret: secret, token: t.adminToken })) }).toEqual({ secret, ...UNSAFE_SECRET });
    }
  });

  it('should refuse secrets that are not stored the same way', async () => {
    for (const secret of ['.', '../../etc', '/etc/passwd', `${GLOBAL}/desktop`, `${GLOBAL}/../${GLOBAL}`, 'nul\0byte']) {
      expect({ secret, ...failure(await download('pkg', { enroll_secret: secret, token: t.adminToken })) }).toEqual({ secret, ...UNSAFE_SECRET });
    }
  });

  it('should decode percent-encoded form values before refusing them', async () => {
    const res = await fetch(`${t.url}/api/v1/fleet/download_installer/pkg`, {
      method: 'POST',
      body: `enroll_secret=..%2Foutside&token=${encodeURIComponent(t.adminToken)}`,
    });
    const body = (await res.json()) as { message: string; errors: unknown };
    expect({ status: res.status, message: body.message, errors: body.errors }).toEqual(UNSAFE_SECRET);
  });

  it('should refuse kinds that hold path segments, encoded or not', async () => {
    for (const kind of ['..%2Fpkg', '%2e%2e%2f%2e%2e%2ffleet-osquery.pkg', 'pkg%00']) {
      const res = await fetch(`${t.url}/api/v1/fleet/download_installer/${kind}`, {
        method: 'POST',
        body: new URLSearchParams({ enroll_secret: GLOBAL, token: t.adminToken }).toString(),
      });
      const body = (await res.json()) as { message: string; errors: { reason: string }[] };
      expect({ kind, status: res.status, message: body.message }).toEqual({ kind, status: 400, message: 'Bad request' });
      expect(body.errors[0]!.reason).toMatch(/^invalid installer kind /);
    }
  });

  it('should not follow symlinks that lead out of the store', async () => {
    for (const secret of ['linked', 'linked-dir']) {
      expect({ secret, ...failure(await download('pkg', { enroll_secret: secret, token: t.adminToken })) }).toEqual({
        secret,
        ...badRequest('no fleet-osquery.pkg installer for this enroll secret'),
      });
    }
  });
});

describe('HEAD /download_installer/:kind', () => {
  it('should answer 200 without a body when the installer exists', async () => {
    expect(await head('pkg', { enroll_secret: GLOBAL })).toEqual({ status: 200, body: '' });
    expect(await head('pkg', { enroll_secret: GLOBAL, desktop: 'true' })).toEqual({ status: 200, body: '' });
    expect(await head('rpm', { enroll_secret: T1 }, t1Maintainer)).toEqual({ status: 200, body: '' });
  });

  it('should answer 400 without a body when it does not', async () => {
    expect(await head('deb', { enroll_secret: GLOBAL, desktop: 'true' })).toEqual({ status: 400, body: '' });
    expect(await head('exe', { enroll_secret: GLOBAL })).toEqual({ status: 400, body: '' });
    expect(await head('pkg', { enroll_secret: 'nope' })).toEqual({ status: 400, body: '' });
    expect(await head('pkg', { enroll_secret: '../outside' })).toEqual({ status: 400, body: '' });
    expect(await head('pkg', { enroll_secret: 'linked' })).toEqual({ status: 400, body: '' });
  });

  it('should answer 401 without a token and 403 to an observer', async () => {
    expect(await head('pkg', { enroll_secret: GLOBAL }, null)).toEqual({ status: 401, body: '' });
    expect(await head('pkg', { enroll_secret: GLOBAL }, 'nope')).toEqual({ status: 401, body: '' });
    expect(await head('pkg', { enroll_secret: GLOBAL }, observer)).toEqual({ status: 403, body: '' });
  });
});

describe('without an installers directory', () => {
  it('should answer 400 for every installer rather than fail', async () => {
    const bare = await startApp({ installersDir: join(t.dir, 'does-not-exist') });
    const r = restClient(bare.url);
    await r('POST', '/api/v1/fleet/spec/enroll_secret', { token: bare.adminToken, body: { spec: { secrets: [{ secret: GLOBAL }] } } });
    const res = await fetch(`${bare.url}/api/v1/fleet/download_installer/pkg`, {
      method: 'POST',
      body: new URLSearchParams({ enroll_secret: GLOBAL, token: bare.adminToken }).toString(),
    });
    const got: Reply = { status: res.status, body: await res.json(), headers: res.headers };
    expect(errorOf(got)).toEqual(badRequest('no fleet-osquery.pkg installer for this enroll secret'));
  });
});
