/**
 * Pre-built fleet-osquery installers (fleet-behavior.md §8), served from the installer store.
 * Unlike Fleet, no demo-mode gate; and every client error is a 400, never Fleet's 500.
 */
import type { Readable } from 'node:stream';
import { authorize, can } from './authz.js';
import type { Ctx } from './context.js';
import { BadRequestError } from './errors.js';
import type { InstallerKey } from './ports.js';

export const INSTALLER_KINDS = ['pkg', 'msi', 'deb', 'rpm'] as const;

export const NO_SUCH_SECRET = 'no matching enroll secret found';

/** A secret names a directory of the store: it must be one plain path segment. */
const UNSAFE_SECRET = /[/\\\0]/;

/**
 * Authorizes, validates and resolves the request to a secret the caller may read. A secret the
 * caller may not read answers like an unknown one, so the answer never confirms a guessed secret.
 */
async function installerKey(ctx: Ctx, key: InstallerKey): Promise<InstallerKey> {
  const viewer = authorize(ctx, 'installer:read');
  if (!(INSTALLER_KINDS as readonly string[]).includes(key.kind)) {
    throw new BadRequestError(`invalid installer kind "${key.kind}": must be one of ${INSTALLER_KINDS.join(', ')}`);
  }
  const secret = key.enrollSecret;
  if (secret === '') throw new BadRequestError('enroll_secret is required');
  if (UNSAFE_SECRET.test(secret) || secret === '.' || secret === '..') {
    throw new BadRequestError('enroll_secret cannot contain path separators or NUL, nor be "." or ".."');
  }
  const [found] = await ctx.deps.store.enrollSecrets.bySecrets([secret]);
  const readable =
    found !== undefined &&
    (found.teamId === null ? can(viewer, 'enroll_secret:read') : can(viewer, 'team_secret:read', found.teamId));
  if (!readable) throw new BadRequestError(NO_SUCH_SECRET);
  return key;
}

const missing = (key: InstallerKey) =>
  new BadRequestError(`no fleet-osquery.${key.kind} installer${key.desktop ? ' with Fleet Desktop' : ''} for this enroll secret`);

/** Whether the installer exists (Fleet's HEAD check); throws like a download would. */
export async function checkInstaller(ctx: Ctx, request: InstallerKey): Promise<{ size: number }> {
  const key = await installerKey(ctx, request);
  const found = await ctx.deps.installers.stat(key);
  if (!found) throw missing(key);
  return found;
}

export type InstallerDownload = { filename: string; size: number; stream: Readable };

export async function downloadInstaller(ctx: Ctx, request: InstallerKey): Promise<InstallerDownload> {
  const key = await installerKey(ctx, request);
  const opened = await ctx.deps.installers.open(key);
  if (!opened) throw missing(key);
  return { filename: `fleet-osquery.${key.kind}`, ...opened };
}
