/**
 * The filesystem installer store on its own: it must stay inside its root whatever the key holds,
 * even for keys the domain would refuse first.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInstallerFiles } from '../../db/installers.js';
import type { InstallerKey, InstallerStore } from '../../resolvers/ports.js';

let dir: string;
let root: string;
let files: InstallerStore;

const put = (path: string, content: string) => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
};
const key = (enrollSecret: string, kind = 'pkg', desktop = false): InstallerKey => ({ enrollSecret, kind, desktop });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'fleetgraph-installers-'));
  root = join(dir, 'store');
  files = createInstallerFiles(root);
  put(join(root, 'sec', 'fleet-osquery.pkg'), 'plain');
  put(join(root, 'sec', 'desktop', 'fleet-osquery.pkg'), 'with desktop');
  mkdirSync(join(root, 'sec', 'fleet-osquery.deb'), { recursive: true });
  put(join(root, 'a', 'b', 'fleet-osquery.pkg'), 'nested');
  put(join(root, 'real', 'fleet-osquery.msi'), 'inside');
  symlinkSync(join(root, 'real'), join(root, 'alias'));
  put(join(dir, 'fleet-osquery.pkg'), 'outside');
  put(join(dir, 'out', 'fleet-osquery.pkg'), 'outside');
  symlinkSync(join(dir, 'out', 'fleet-osquery.pkg'), join(root, 'sec', 'fleet-osquery.rpm'));
  symlinkSync(join(dir, 'out'), join(root, 'escape'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('createInstallerFiles', () => {
  it('should find an installer by secret, kind and desktop flag', async () => {
    expect(await files.stat(key('sec'))).toEqual({ size: 5 });
    expect(await files.stat(key('sec', 'pkg', true))).toEqual({ size: 12 });
    const opened = await files.open(key('sec', 'pkg', true));
    expect(opened?.size).toBe(12);
    expect(await text(opened!.stream)).toBe('with desktop');
  });

  it('should answer undefined for a missing installer, or a directory in its place', async () => {
    for (const k of [key('sec', 'msi'), key('nope'), key('sec', 'deb')]) {
      expect(await files.stat(k)).toBeUndefined();
      expect(await files.open(k)).toBeUndefined();
    }
  });

  it('should answer undefined for keys that would leave the root or name another file', async () => {
    const keys = [
      key('..'),
      key('.'),
      key(''),
      key('../out'),
      key(join(dir, 'out')),
      key('a/b'),
      key('sec/../sec'),
      key('sec', '../../fleet-osquery.pkg'),
      key('sec', 'pkg/..'),
      key('sec\0'),
    ];
    for (const k of keys) {
      expect({ k, stat: await files.stat(k) }).toEqual({ k, stat: undefined });
      expect({ k, open: await files.open(k) }).toEqual({ k, open: undefined });
    }
  });

  it('should refuse symlinks that lead out of the root, and allow those that stay inside', async () => {
    expect(await files.stat(key('sec', 'rpm'))).toBeUndefined();
    expect(await files.open(key('sec', 'rpm'))).toBeUndefined();
    expect(await files.stat(key('escape'))).toBeUndefined();
    expect(await files.stat(key('alias', 'msi'))).toEqual({ size: 6 });
  });

  it('should answer undefined when the root itself does not exist', async () => {
    const none = createInstallerFiles(join(dir, 'missing'));
    expect(await none.stat(key('sec'))).toBeUndefined();
    expect(await none.open(key('sec'))).toBeUndefined();
  });
});
