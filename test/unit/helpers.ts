/**
 * Unit-test fixtures: a real ':memory:' SQLite store behind the domain's Deps, a fixed (settable)
 * clock, and viewers that are real users with real sessions, so every id is a stored id.
 */
import { afterAll, expect } from 'vitest';
import { openSqliteStore } from '../../db/sqlite/store.js';
import type { Ctx, Deps } from '../../resolvers/context.js';
import { createMemoryResultStore } from '../../db/memory-results.js';
import { createLiveCampaigns } from '../../resolvers/live-campaigns.js';
import type { LicenseTier, Role, TeamRole } from '../../resolvers/model.js';
import { createBcryptHasher } from '../../resolvers/passwords.js';
import type { Store } from '../../resolvers/ports.js';
import { createRateLimiter } from '../../resolvers/rate-limit.js';
import { createSeenTracker } from '../../resolvers/seen-tracker.js';
import { hashToken, newToken } from '../../resolvers/tokens.js';
import * as users from '../../resolvers/users.js';

export const NOW = new Date('2024-05-06T07:08:09.000Z');
export const ADMIN = { name: 'Admin', email: 'admin@example.com', password: 'correct-horse-1!' };
export const PASSWORD = 'another-secret-2?';
export const ADDRESS = '192.0.2.1';

export type DepsOptions = { license?: LicenseTier; loginLimit?: number; loginWindowMs?: number };

/** Deps plus a handle on the clock, which stays put unless a test moves it. */
export type TestDeps = Deps & { setNow(d: Date): void };

const opened: Store[] = [];
afterAll(() => {
  for (const store of opened.splice(0)) store.close();
});

export function makeDeps(opts: DepsOptions = {}): TestDeps {
  const store = openSqliteStore(':memory:', { agentCacheHosts: 100_000 });
  opened.push(store);
  let now = NOW;
  const clock = () => now;
  const results = createMemoryResultStore(store.campaigns, { maxRowsPerCampaign: 250_000 });
  const live = createLiveCampaigns({
    campaigns: store.campaigns,
    results,
    clock,
    limits: { unwatchedMs: 60_000, maxDurationMs: 86_400_000 },
    onError: (err) => {
      throw err;
    },
  });
  return {
    store,
    clock,
    license: opts.license ?? 'premium',
    passwords: createBcryptHasher(4),
    loginLimiter: createRateLimiter({ limit: opts.loginLimit ?? 1000, windowMs: opts.loginWindowMs ?? 60_000 }),
    sessionTtlSeconds: 432_000,
    seen: createSeenTracker(store.hosts),
    agentIntervals: { detailSeconds: 3600, labelSeconds: 3600, policySeconds: 3600 },
    liveQueries: live.router,
    live,
    results,
    campaignLimits: { subscriberMaxLag: 10_000, syncDefaultTimeoutMs: 25_000, syncMaxTimeoutMs: 120_000 },
    agentLog: { write: () => undefined },
    deviceLimiter: createRateLimiter({ limit: 1000, windowMs: 3_600_000 }),
    installers: { stat: async () => undefined, open: async () => undefined },
    setNow(d) {
      now = d;
    },
  };
}

export const anonymousCtx = (deps: Deps, remoteAddress = ADDRESS): Ctx => ({ deps, viewer: null, remoteAddress });

/** A ctx for the holder of `token`, resolved the way transports do it. */
export async function ctxForToken(deps: Deps, token: string): Promise<Ctx> {
  const viewer = await users.authenticate({ deps }, token);
  if (!viewer) throw new Error('token does not authenticate');
  return { deps, viewer, remoteAddress: ADDRESS };
}

export type Env = {
  deps: TestDeps;
  store: Store;
  /** The global admin created by users.setup. */
  admin: Ctx;
  anonymous: Ctx;
  /** A new user with this global role (null: team roles only), signed in. */
  as(globalRole: Role | null, teams?: TeamRole[]): Promise<Ctx>;
  /** A new user holding `role` on the named team (created if missing). */
  asTeam(team: string, role: Role): Promise<Ctx>;
  /** The id of the named team, creating it through the store if missing. */
  team(name: string): Promise<number>;
  /** Enrolls a host with this hostname through the store; answers its id. */
  host(hostname: string, teamId?: number | null): Promise<number>;
};

let serial = 0;

export async function makeEnv(opts: DepsOptions = {}): Promise<Env> {
  const deps = makeDeps(opts);
  const { store } = deps;
  const anonymous = anonymousCtx(deps);
  const { token } = await users.setup(anonymous, { admin: ADMIN, orgName: 'Acme', serverUrl: 'https://fleet.example.com' });
  const admin = await ctxForToken(deps, token);

  const as = async (globalRole: Role | null, teams: TeamRole[] = []): Promise<Ctx> => {
    serial += 1;
    const token = newToken();
    await store.users.create(
      {
        name: `User ${serial}`,
        email: `user${serial}@example.com`,
        passwordHash: await deps.passwords.hash(PASSWORD),
        globalRole,
        teams,
        apiOnly: false,
      },
      deps.clock(),
      hashToken(token),
    );
    return ctxForToken(deps, token);
  };
  const team = async (name: string): Promise<number> => {
    const found = await store.teams.byName(name);
    if (found) return found.id;
    await store.specs.apply({ teams: [{ name, agentOptions: undefined, secrets: [] }] }, admin.viewer!.user.id, deps.clock());
    return (await store.teams.byName(name))!.id;
  };
  const asTeam = async (name: string, role: Role): Promise<Ctx> => as(null, [{ teamId: await team(name), role }]);

  const host = async (hostname: string, teamId: number | null = null): Promise<number> => {
    serial += 1;
    const enrolled = await store.hosts.enroll(
      { osqueryHostId: `host-${serial}`, nodeKeyHash: hashToken(`node-key-${serial}`), teamId, details: { hostname }, inventory: {} },
      deps.clock(),
    );
    return enrolled.id;
  };

  return { deps, store, admin, anonymous, as, asTeam, team, host };
}

/** One ctx on a fresh store: a global role, a role on team "Team A", or null for no viewer. */
export async function makeCtx(role: Role | { team: string; role: Role } | null = 'admin', opts: DepsOptions = {}): Promise<Ctx> {
  const env = await makeEnv(opts);
  if (role === null) return env.anonymous;
  if (role === 'admin') return env.admin;
  if (typeof role === 'string') return env.as(role);
  return env.asTeam(role.team, role.role);
}

/** The error `p` rejects with, asserted to be an instance of `type`. */
export async function rejection<E>(p: Promise<unknown>, type: abstract new (...args: never[]) => E): Promise<E> {
  const outcome = await p.then(
    (value: unknown) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.value)}`);
  expect(outcome.error).toBeInstanceOf(type);
  return outcome.error as E;
}
