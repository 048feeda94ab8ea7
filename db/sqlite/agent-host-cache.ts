import { LRUCache } from 'lru-cache';
import type { Host } from '../../resolvers/model.js';

/**
 * Hosts by node-key hash, for the agent API: every check-in authenticates with its node key, and
 * reading the whole host row for it was a quarter of an empty check-in's cost. The host store
 * owns every write to the hosts table, so it forgets a host whenever it writes one; entries are
 * never refreshed in place except for the check-in time, which the store batches. That holds for
 * one server process per database, as with the embedded SQLite file; instances sharing a database
 * would need the forgetting to cross processes. Foreign keys write hosts too: `hosts.team_id` is
 * set null when its team is deleted, so a team deletion (there is none yet) must forget its hosts.
 */
export class AgentHostCache {
  private readonly byHash: LRUCache<string, Host>;
  private readonly hashById = new Map<number, string>();

  constructor(max: number) {
    this.byHash = new LRUCache<string, Host>({
      max: Math.max(1, max),
      dispose: (host, hash) => {
        if (this.hashById.get(host.id) === hash) this.hashById.delete(host.id);
      },
    });
  }

  /** A copy: callers may change what they get without changing the cache. */
  get(hash: string): Host | undefined {
    const host = this.byHash.get(hash);
    return host && { ...host };
  }

  set(hash: string, host: Host): void {
    const previous = this.hashById.get(host.id);
    if (previous !== undefined && previous !== hash) this.byHash.delete(previous);
    this.byHash.set(hash, { ...host });
    this.hashById.set(host.id, hash);
  }

  forget(hostId: number): void {
    const hash = this.hashById.get(hostId);
    if (hash !== undefined) this.byHash.delete(hash);
  }

  seen(hostId: number, at: Date): void {
    const hash = this.hashById.get(hostId);
    const host = hash === undefined ? undefined : this.byHash.peek(hash);
    if (host) host.seenTime = at;
  }

  get size(): number {
    return this.byHash.size;
  }
}
