import type { Host } from '../../resolvers/model.js';

/**
 * Hosts by node key, for the agent API: every check-in authenticates with its node key, and
 * reading the whole host row for it was a quarter of an empty check-in's cost. The host store
 * owns every write to the hosts table, so it forgets a host whenever it writes one; entries are
 * never refreshed in place except for the check-in time, which the store batches. That holds for
 * one server process per database, as with the embedded SQLite file; instances sharing a database
 * would need the forgetting to cross processes. Foreign keys write hosts too: `hosts.team_id` is
 * set null when its team is deleted, so a team deletion (there is none yet) must forget its hosts.
 *
 * Keyed by the node key itself, so that its hash is taken only on a miss (hashing was 2.5 % of an
 * empty check-in); the keys live in this process's memory only, and the file keeps their hashes.
 * A Map that evicts in insertion order rather than an LRU: lru-cache's `get` (recency, options,
 * diagnostics channel) was another 2.5 %, and agents check in round-robin, where evicting the
 * least recently used and the first cached come to the same.
 */
export class AgentHostCache {
  private readonly byKey = new Map<string, Host>();
  private readonly keyById = new Map<number, string>();
  private readonly max: number;

  constructor(max: number) {
    this.max = Math.max(1, max);
  }

  /** Shared with the cache, not copied (a copy per check-in was its own 2 %): read it, don't change it. */
  get(nodeKey: string): Readonly<Host> | undefined {
    return this.byKey.get(nodeKey);
  }

  /** Takes `host` over: the caller must not change it afterwards. */
  set(nodeKey: string, host: Host): void {
    this.forget(host.id);
    this.byKey.set(nodeKey, host);
    this.keyById.set(host.id, nodeKey);
    if (this.byKey.size > this.max) {
      const [oldestKey, oldest] = this.byKey.entries().next().value as [string, Host];
      this.byKey.delete(oldestKey);
      this.keyById.delete(oldest.id);
    }
  }

  forget(hostId: number): void {
    const key = this.keyById.get(hostId);
    if (key === undefined) return;
    this.byKey.delete(key);
    this.keyById.delete(hostId);
  }

  seen(hostId: number, at: Date): void {
    const key = this.keyById.get(hostId);
    const host = key === undefined ? undefined : this.byKey.get(key);
    if (host) host.seenTime = at;
  }

  get size(): number {
    return this.byKey.size;
  }
}
