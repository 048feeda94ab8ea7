import { authorize, requireViewer } from './authz.js';
import type { Ctx } from './context.js';
import { defaultAgentOptions } from './agent-options.js';
import { AuthFailedError, ConflictError, NotFoundError, ValidationError, type InvalidArg } from './errors.js';
import { GLOBAL_ROLES, type AppConfig, type Role, type TeamRole, type User } from './model.js';
import { checkPasswordPolicy } from './passwords.js';
import { hashToken, newToken } from './tokens.js';

export type SetupInput = {
  admin: { name: string; email: string; password: string };
  orgName: string;
  serverUrl: string;
};

export type CreateUserInput = {
  name: string;
  email: string;
  password: string;
  globalRole: string | null;
  teams: { id: number; role: string }[];
  apiOnly: boolean;
};

const EMAIL = /^[^\s@]+@[^\s@]+$/;

function checkIdentity(name: string, email: string): InvalidArg[] {
  const invalid: InvalidArg[] = [];
  if (name.trim() === '') invalid.push({ name: 'name', reason: 'cannot be empty' });
  if (!EMAIL.test(email.trim())) invalid.push({ name: 'email', reason: 'must be a valid email address' });
  return invalid;
}

const isRole = (r: string): r is Role => (GLOBAL_ROLES as readonly string[]).includes(r);

/** Creates the first global admin and the org settings; refused once any user exists. */
export async function setup(ctx: Ctx, input: SetupInput): Promise<{ user: User; token: string; config: AppConfig }> {
  const { store, passwords, clock } = ctx.deps;
  const invalid = checkIdentity(input.admin.name, input.admin.email);
  if (input.orgName.trim() === '') invalid.push({ name: 'org_name', reason: 'cannot be empty' });
  if (invalid.length > 0) throw new ValidationError(invalid);
  checkPasswordPolicy(input.admin.password);
  if ((await store.users.count()) > 0) throw new ConflictError('setup has already been completed');

  const config: AppConfig = {
    orgInfo: { orgName: input.orgName.trim(), orgLogoUrl: '' },
    serverSettings: { serverUrl: input.serverUrl, liveQueryDisabled: false },
    agentOptions: defaultAgentOptions(),
    fleetDesktop: { transparencyUrl: '' },
  };
  const token = newToken();
  const admin = {
    name: input.admin.name.trim(),
    email: input.admin.email.trim(),
    passwordHash: await passwords.hash(input.admin.password),
    globalRole: 'admin' as const,
    teams: [],
    apiOnly: false,
  };
  const user = await store.setup.complete(admin, config, hashToken(token), clock());
  if (!user) throw new ConflictError('setup has already been completed');
  return { user, token, config };
}

export async function login(ctx: Ctx, email: string, password: string): Promise<{ user: User; token: string }> {
  const { store, passwords, clock, loginLimiter } = ctx.deps;
  loginLimiter.hit([`email:${email.trim().toLowerCase()}`, `addr:${ctx.remoteAddress}`], clock());
  const found = await store.users.byEmail(email.trim());
  const ok = await passwords.verify(password, found?.passwordHash);
  if (!found || !ok || found.apiOnly) throw new AuthFailedError();
  const token = newToken();
  await store.sessions.create(found.id, hashToken(token), clock());
  const { passwordHash: _, ...user } = found;
  return { user, token };
}

export async function logout(ctx: Ctx): Promise<void> {
  const viewer = requireViewer(ctx);
  await ctx.deps.store.sessions.delete(viewer.sessionId);
}

export function me(ctx: Ctx): User {
  return requireViewer(ctx).user;
}

/** Resolves a bearer token to its viewer, or undefined when no session has it. */
export async function authenticate(ctx: Pick<Ctx, 'deps'>, token: string): Promise<Ctx['viewer']> {
  const { store } = ctx.deps;
  const session = await store.sessions.byTokenHash(hashToken(token));
  if (!session) return null;
  const user = await store.users.byId(session.userId);
  if (!user) return null;
  // Login sessions expire (Fleet's session.duration); API-only users' tokens do not.
  const age = ctx.deps.clock().getTime() - session.createdAt.getTime();
  if (!user.apiOnly && age > ctx.deps.sessionTtlSeconds * 1000) return null;
  return { user, sessionId: session.id };
}

export async function listUsers(ctx: Ctx): Promise<User[]> {
  authorize(ctx, 'user:read');
  return ctx.deps.store.users.list();
}

/** Creates a user; an API-only user also gets its token, returned once. */
export async function createUser(ctx: Ctx, input: CreateUserInput): Promise<{ user: User; token: string | null }> {
  authorize(ctx, 'user:write');
  const { store, passwords, clock } = ctx.deps;
  const invalid = checkIdentity(input.name, input.email);
  if (input.globalRole !== null && !isRole(input.globalRole)) {
    invalid.push({ name: 'global_role', reason: `must be one of ${GLOBAL_ROLES.join(', ')}` });
  }
  if (input.globalRole !== null && input.teams.length > 0) {
    invalid.push({ name: 'teams', reason: 'may not be specified with global_role' });
  }
  if (input.globalRole === null && input.teams.length === 0) {
    invalid.push({ name: 'global_role', reason: 'either global_role or teams must be specified' });
  }
  if (new Set(input.teams.map((t) => t.id)).size !== input.teams.length) {
    invalid.push({ name: 'teams', reason: 'each team may be listed once' });
  }
  for (const t of input.teams) {
    if (!isRole(t.role) || t.role === 'gitops') invalid.push({ name: 'teams', reason: `invalid team role "${t.role}"` });
  }
  if (invalid.length > 0) throw new ValidationError(invalid);
  checkPasswordPolicy(input.password);
  const teamIds = [...new Set(input.teams.map((t) => t.id))];
  const found = await store.teams.byIds(teamIds);
  const missing = teamIds.find((id) => !found.some((t) => t.id === id));
  if (missing !== undefined) throw new NotFoundError('Team', missing);
  const taken = () => new ConflictError(`a user with email ${input.email} already exists`);
  if (await store.users.byEmail(input.email.trim())) throw taken();

  const token = input.apiOnly ? newToken() : null;
  const passwordHash = await passwords.hash(input.password);
  const user = await store.users
    .create(
      {
        name: input.name.trim(),
        email: input.email.trim(),
        passwordHash,
        globalRole: input.globalRole as Role | null,
        teams: input.teams.map((t): TeamRole => ({ teamId: t.id, role: t.role as Role })),
        apiOnly: input.apiOnly,
      },
      clock(),
      token ? hashToken(token) : undefined,
    )
    .catch(async (err: unknown) => {
      // A concurrent request may have taken the email since the check above (hashing yields).
      if (await store.users.byEmail(input.email.trim())) throw taken();
      throw err;
    });
  return { user, token };
}
