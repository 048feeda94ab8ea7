import type { Host } from '../../resolvers/model.js';

/**
 * Hosts by node-key hash, for the agent API: every check-in authenticates with its node key, and
 * reading the whole host row for it was a quarter of an empty check-in's cost. The host store
 * owns every write to the hosts table, so it forgets a host whenever it writes one; entries are
 * never refreshed in place except for the check-in time, which the store batches. That holds for
 * one server process per database, as with the embedded SQLite file; instances sharing a database
 * would need the forgetting to cross processes. Foreign keys write hosts too: `hosts.team_id` is
 * set null when its team is deleted, so a team deletion (there is none yet) must forget its hosts.
 *
 * Keyed by the hash, not the key, though hashing costs a check-in about 2.5 %: the cache would
 * otherwise hold every agent's credential in the clear for as long as the process lives, there
 * for any heap snapshot or core file to give away.
 *
 * A Map that evicts in insertion order, not an LRU: lru-cache's `get` (recency, options, its
 * diagnostics channel) was 2.4 % of a check-in's profile. Agents check in at one interval, so the host
 * read longest ago is about the one cached longest ago; past the bound, a host checking in more
 * often than the rest is evicted as often as they are, and costs one more read.
 */
export class AgentHostCache {
  private readonly byHash = new Map<string, Host>();
  private readonly hashById = new Map<number, string>();
  private readonly max: number;

  constructor(max: number) {
    this.max = Math.max(1, max);
  }

  /** Shared with the cache, not copied: read it, don't change it. */
  get(hash: string): Readonly<Host> | undefined {
    return this.byHash.get(hash);
  }

  /** Takes `host` over: the caller must not change it afterwards. */
  set(hash: string, host: Host): void {
    this.forget(host.id);
    this.byHash.set(hash, host);
    this.hashById.set(host.id, hash);
    if (this.byHash.size > this.max) {
      const [oldestHash, oldest] = this.byHash.entries().next().value as [string, Host];
      this.byHash.delete(oldestHash);
      this.hashById.delete(oldest.id);
    }
  }

  forget(hostId: number): void {
    const hash = this.hashById.get(hostId);
    if (hash === undefined) return;
    this.byHash.delete(hash);
    this.hashById.delete(hostId);
  }

  seen(hostId: number, at: Date): void {
    const hash = this.hashById.get(hostId);
    const host = hash === undefined ? undefined : this.byHash.get(hash);
    if (host) host.seenTime = at;
  }

  get size(): number {
    return this.byHash.size;
  }
}
