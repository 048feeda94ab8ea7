import { GLOBAL_ROLES, type TeamRole, type User } from '../resolvers/model.js';
import * as users from '../resolvers/users.js';
import { builder } from './builder.js';
import { AppConfigRef } from './config.js';
import { TeamRef } from './team.js';

export const RoleEnum = builder.enumType('Role', { values: GLOBAL_ROLES });

const UserTeamRef = builder.objectRef<TeamRole>('UserTeam').implement({
  fields: (t) => ({
    role: t.field({ type: RoleEnum, resolve: (r) => r.role }),
    team: t.field({ type: TeamRef, nullable: true, resolve: (r, _, { loaders }) => loaders.team.load(r.teamId) }),
  }),
});

export const UserRef = builder.objectRef<User>('User').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    name: t.exposeString('name'),
    email: t.exposeString('email'),
    globalRole: t.field({ type: RoleEnum, nullable: true, resolve: (u) => u.globalRole }),
    teams: t.field({ type: [UserTeamRef], resolve: (u) => u.teams }),
    apiOnly: t.exposeBoolean('apiOnly'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
  }),
});

const SessionRef = builder.objectRef<{ user: User; token: string }>('Session').implement({
  fields: (t) => ({ user: t.field({ type: UserRef, resolve: (s) => s.user }), token: t.exposeString('token') }),
});

const SetupPayloadRef = builder
  .objectRef<Awaited<ReturnType<typeof users.setup>>>('SetupPayload')
  .implement({
    fields: (t) => ({
      user: t.field({ type: UserRef, resolve: (p) => p.user }),
      token: t.exposeString('token'),
      config: t.field({ type: AppConfigRef, resolve: (p) => p.config }),
    }),
  });

const CreateUserPayloadRef = builder.objectRef<{ user: User; token: string | null }>('CreateUserPayload').implement({
  fields: (t) => ({
    user: t.field({ type: UserRef, resolve: (p) => p.user }),
    token: t.exposeString('token', { nullable: true, description: 'The API token of an API-only user, shown once.' }),
  }),
});

const SetupInput = builder.inputType('SetupInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    email: t.string({ required: true }),
    password: t.string({ required: true }),
    orgName: t.string({ required: true }),
    serverUrl: t.string({ defaultValue: '' }),
  }),
});

const TeamRoleInput = builder.inputType('TeamRoleInput', {
  fields: (t) => ({ teamId: t.id({ required: true }), role: t.field({ type: RoleEnum, required: true }) }),
});

const CreateUserInput = builder.inputType('CreateUserInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    email: t.string({ required: true }),
    password: t.string({ required: true }),
    globalRole: t.field({ type: RoleEnum }),
    teams: t.field({ type: [TeamRoleInput] }),
    apiOnly: t.boolean({ defaultValue: false }),
  }),
});

builder.queryFields((t) => ({
  me: t.field({ type: UserRef, resolve: (_, __, { domain }) => users.me(domain) }),
  users: t.field({ type: [UserRef], resolve: (_, __, { domain }) => users.listUsers(domain) }),
}));

builder.mutationFields((t) => ({
  setup: t.field({
    type: SetupPayloadRef,
    args: { input: t.arg({ type: SetupInput, required: true }) },
    resolve: (_, { input }, { domain }) =>
      users.setup(domain, {
        admin: { name: input.name, email: input.email, password: input.password },
        orgName: input.orgName,
        serverUrl: input.serverUrl ?? '',
      }),
  }),
  login: t.field({
    type: SessionRef,
    args: { email: t.arg.string({ required: true }), password: t.arg.string({ required: true }) },
    resolve: (_, { email, password }, { domain }) => users.login(domain, email, password),
  }),
  logout: t.boolean({ resolve: async (_, __, { domain }) => (await users.logout(domain), true) }),
  createUser: t.field({
    type: CreateUserPayloadRef,
    args: { input: t.arg({ type: CreateUserInput, required: true }) },
    resolve: (_, { input }, { domain }) =>
      users.createUser(domain, {
        name: input.name,
        email: input.email,
        password: input.password,
        globalRole: input.globalRole ?? null,
        teams: (input.teams ?? []).map((x) => ({ id: Number(x.teamId), role: x.role })),
        apiOnly: input.apiOnly ?? false,
      }),
  }),
}));
