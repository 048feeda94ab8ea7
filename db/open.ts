import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Store } from '../resolvers/ports.js';
import type { HostStoreOptions } from './sqlite/hosts.js';
import { openSqliteStore } from './sqlite/store.js';

/** Picks the dialect from the location: a file path or ':memory:' is SQLite. */
export function openStore(location: string, options: HostStoreOptions = {}): Store {
  if (/^postgres(ql)?:\/\//.test(location)) {
    throw new Error('PostgreSQL storage is not available yet; use a SQLite path');
  }
  if (location !== ':memory:') mkdirSync(dirname(location), { recursive: true });
  return openSqliteStore(location, options);
}
