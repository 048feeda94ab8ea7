/**
 * Fleet's download_installer. The UI downloads through a browser form, which cannot set headers,
 * so the user's token may come as the `token` form field (Fleet's 2022 form fallback). Never from
 * the query string, as for every other user route: URLs end up in logs.
 * https://github.com/fleetdm/fleet/blob/main/docs/Contributing/API-for-contributors.md#download-an-installer
 */
import type { IncomingMessage } from 'node:http';
import type { Ctx } from '../../resolvers/context.js';
import { AuthHeaderRequiredError, AuthRequiredError } from '../../resolvers/errors.js';
import * as installers from '../../resolvers/installers.js';
import type { InstallerKey } from '../../resolvers/ports.js';
import { authenticate } from '../../resolvers/users.js';
import { bearerToken } from '../http.js';
import { route, type Route } from '../router.js';

/** Go's r.FormValue: the urlencoded body first, then the query string. */
const formValue = (name: string, form: URLSearchParams, query: URLSearchParams): string => form.get(name) ?? query.get(name) ?? '';

/** Go's strconv.ParseBool, with anything unparsable as false. */
const isTrue = (v: string): boolean => ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v);

/** A well-formed Authorization header (already resolved by the router) wins over the form field, as in Fleet. */
async function signIn(ctx: Ctx, req: IncomingMessage, formToken: string): Promise<void> {
  const header = bearerToken(req);
  if (header === undefined && formToken !== '') ctx.viewer = await authenticate(ctx, formToken);
  if (!ctx.viewer) throw header === undefined && formToken === '' ? new AuthHeaderRequiredError() : new AuthRequiredError();
}

const keyOf = (kind: string | undefined, form: URLSearchParams, query: URLSearchParams): InstallerKey => ({
  kind: kind ?? '',
  enrollSecret: formValue('enroll_secret', form, query),
  desktop: isTrue(formValue('desktop', form, query)),
});

export const installerRoutes: Route[] = [
  route({
    method: 'POST',
    path: '/download_installer/:kind',
    public: true,
    body: 'raw',
    handle: async ({ ctx, params, query, body, req }) => {
      const form = new URLSearchParams((body as Buffer).toString('utf8'));
      await signIn(ctx, req, form.get('token') ?? '');
      const d = await installers.downloadInstaller(ctx, keyOf(params.kind, form, query));
      return {
        stream: d.stream,
        headers: {
          'content-type': 'application/octet-stream',
          'content-length': String(d.size),
          'content-disposition': `attachment;filename="${d.filename}"`,
          'x-content-type-options': 'nosniff',
        },
      };
    },
  }),
  // The UI checks for an installer with a plain request, so the Authorization header suffices here.
  route({
    method: 'HEAD',
    path: '/download_installer/:kind',
    handle: async ({ ctx, params, query }) => {
      await installers.checkInstaller(ctx, keyOf(params.kind, new URLSearchParams(), query));
      return {};
    },
  }),
];
