/**
 * Installers on the filesystem, in Fleet's bucket layout:
 * `<root>/<enroll_secret>/[desktop/]fleet-osquery.<kind>`.
 */
import { constants } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { InstallerKey, InstallerStore } from '../resolvers/ports.js';

const isInside = (root: string, path: string): boolean => {
  const rel = relative(root, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
};

const isMissing = (err: unknown): boolean => {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP';
};

export function createInstallerFiles(root: string): InstallerStore {
  const base = resolve(root);

  /**
   * The key's file, or undefined when the key does not name exactly that one file under the root,
   * whatever the domain let through: each part must be one plain path segment, and the resolved
   * path must still be the expected layout inside the root.
   */
  const pathOf = (key: InstallerKey): string | undefined => {
    const parts = [key.enrollSecret, ...(key.desktop ? ['desktop'] : []), `fleet-osquery.${key.kind}`];
    const plain = (p: string) => p !== '' && p !== '.' && p !== '..' && !p.includes('/') && !p.includes(sep) && !p.includes('\0');
    if (!parts.every(plain)) return undefined;
    const path = resolve(base, ...parts);
    return isInside(base, path) && relative(base, path) === join(...parts) ? path : undefined;
  };

  /** The real path of the key's file; a symlink that leads out of the store counts as no file. */
  const locate = async (key: InstallerKey): Promise<string | undefined> => {
    const path = pathOf(key);
    if (!path) return undefined;
    try {
      const [realBase, realPath] = await Promise.all([realpath(base), realpath(path)]);
      return isInside(realBase, realPath) ? realPath : undefined;
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw new Error(`locating installer ${path}`, { cause: err });
    }
  };

  return {
    async stat(key) {
      const path = await locate(key);
      if (!path) return undefined;
      try {
        const s = await stat(path);
        return s.isFile() ? { size: s.size } : undefined;
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw new Error(`reading installer ${path}`, { cause: err });
      }
    },
    async open(key) {
      const path = await locate(key);
      if (!path) return undefined;
      let handle;
      try {
        // No following a symlink swapped in since `locate` resolved the path.
        handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
      } catch (err) {
        if (isMissing(err)) return undefined;
        throw new Error(`opening installer ${path}`, { cause: err });
      }
      // The size comes from the open file, so it matches the bytes even if the file is replaced meanwhile.
      try {
        const s = await handle.stat();
        if (s.isFile()) return { size: s.size, stream: handle.createReadStream() };
      } catch (err) {
        await handle.close();
        throw new Error(`reading installer ${path}`, { cause: err });
      }
      await handle.close();
      return undefined;
    },
  };
}
