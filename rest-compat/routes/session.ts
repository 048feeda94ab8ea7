/** Setup, sessions and users (Fleet's /setup, /login, /logout, /me, /users). */
import { z } from 'zod';
import * as users from '../../resolvers/users.js';
import { route, type Route } from '../router.js';
import { userJson } from '../wire.js';

const setupBody = z.object({
  admin: z.object({ name: z.string().default(''), email: z.string().default(''), password: z.string().default('') }),
  org_info: z.object({ org_name: z.string().default('') }).default({ org_name: '' }),
  server_url: z.string().default(''),
});

const loginBody = z.object({ email: z.string().default(''), password: z.string().default('') });

const createUserBody = z.object({
  name: z.string().default(''),
  email: z.string().default(''),
  password: z.string().default(''),
  global_role: z.string().nullish(),
  teams: z.array(z.object({ id: z.number().int(), role: z.string() })).nullish(),
  api_only: z.boolean().nullish(),
});

const setupRoute = (path: string) =>
  route({
    method: 'POST',
    path,
    absolute: true,
    public: true,
    body: setupBody,
    handle: async ({ ctx, body }) => {
      const { user, token, config } = await users.setup(ctx, {
        admin: body.admin,
        orgName: body.org_info.org_name,
        serverUrl: body.server_url,
      });
      return {
        body: {
          admin: userJson(user),
          org_info: { org_name: config.orgInfo.orgName, org_logo_url: config.orgInfo.orgLogoUrl },
          server_url: config.serverSettings.serverUrl,
          token,
        },
      };
    },
  });

export const sessionRoutes: Route[] = [
  setupRoute('/api/v1/setup'),
  setupRoute('/api/setup'),
  route({
    method: 'POST',
    path: '/login',
    public: true,
    body: loginBody,
    handle: async ({ ctx, body }) => {
      const { user, token } = await users.login(ctx, body.email, body.password);
      return { body: { user: userJson(user), available_teams: [], token } };
    },
  }),
  route({
    method: 'POST',
    path: '/logout',
    handle: async ({ ctx }) => (await users.logout(ctx), { body: {} }),
  }),
  route({
    method: 'GET',
    path: '/me',
    handle: async ({ ctx }) => ({ body: { user: userJson(users.me(ctx)) } }),
  }),
  route({
    method: 'GET',
    path: '/users',
    handle: async ({ ctx }) => ({ body: { users: (await users.listUsers(ctx)).map(userJson) } }),
  }),
  route({
    method: 'POST',
    path: '/users/admin',
    body: createUserBody,
    handle: async ({ ctx, body }) => {
      const { user, token } = await users.createUser(ctx, {
        name: body.name,
        email: body.email,
        password: body.password,
        globalRole: body.global_role ?? null,
        teams: body.teams ?? [],
        apiOnly: body.api_only ?? false,
      });
      return { body: { user: userJson(user), ...(token ? { token } : {}) } };
    },
  }),
];
