/**
 * The node-key cache in front of the agent API's host lookup: whatever the store writes to a host
 * must be what the next lookup answers, a re-enrolled host's old key must stop working at once,
 * and the cache stays within its bound.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { AgentHostCache } from '../../db/sqlite/agent-host-cache.js';
import { openSqliteStore } from '../../db/sqlite/store.js';
import { emptyWrite } from '../../resolvers/agents.js';
import type { Host } from '../../resolvers/model.js';
import type { Store } from '../../resolvers/ports.js';
import { NOW } from './helpers.js';

const stores: Store[] = [];
afterAll(() => {
  for (const s of stores.splice(0)) s.close();
});

const open = (agentCacheHosts: number): Store => {
  const store = openSqliteStore(':memory:', { agentCacheHosts });
  stores.push(store);
  return store;
};

const later = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

const write = emptyWrite;

const enroll = (store: Store, n: number, nodeKeyHash = `hash-${n}`, at = NOW) =>
  store.hosts.enroll(
    { osqueryHostId: `osq-${n}`, nodeKeyHash, teamId: null, details: { hostname: `h${n}.example.org`, platform: 'ubuntu' }, inventory: {} },
    at,
  );

describe('agent host cache', () => {
  it('should answer what the store last wrote: details, refetch requests and check-in times', async () => {
    const store = open(10);
    const host = await enroll(store, 0);
    expect((await store.hosts.byNodeKeyHash('hash-0'))?.platform).toBe('ubuntu');

    await store.hosts.apply(host.id, write({ details: { platform: 'darwin', hostname: 'renamed' }, detailsUpdated: true }), later(1));
    const afterApply = await store.hosts.byNodeKeyHash('hash-0');
    expect(afterApply).toMatchObject({ platform: 'darwin', hostname: 'renamed', detailUpdatedAt: later(1), updatedAt: later(1) });

    await store.hosts.requestRefetch(host.id, later(2));
    expect((await store.hosts.byNodeKeyHash('hash-0'))?.refetchRequested).toBe(true);
    await store.hosts.apply(host.id, write({ clearRefetch: true }), later(3));
    expect((await store.hosts.byNodeKeyHash('hash-0'))?.refetchRequested).toBe(false);

    await store.hosts.markSeen(new Map([[host.id, later(4)]]));
    expect((await store.hosts.byNodeKeyHash('hash-0'))?.seenTime).toEqual(later(4));
    expect(await store.hosts.byNodeKeyHash('hash-0')).toEqual((await store.hosts.byIds([host.id]))[0]);
  });

  it('should stop accepting a re-enrolled host’s old key at once and accept the new one', async () => {
    const store = open(10);
    const first = await enroll(store, 0, 'old-key');
    expect((await store.hosts.byNodeKeyHash('old-key'))?.id).toBe(first.id);

    const again = await enroll(store, 0, 'new-key', later(5));
    expect(again.id).toBe(first.id);
    expect(await store.hosts.byNodeKeyHash('old-key')).toBeUndefined();
    expect(await store.hosts.byNodeKeyHash('new-key')).toMatchObject({ id: first.id, lastEnrolledAt: later(5) });
  });

  it('should hand every caller the one cached host, not a copy', async () => {
    const store = open(10);
    await enroll(store, 0);
    const first = await store.hosts.byNodeKeyHash('hash-0');
    expect(await store.hosts.byNodeKeyHash('hash-0')).toBe(first);
  });

  it('should keep answering correctly past its bound, and not at all when turned off', async () => {
    for (const size of [2, 0]) {
      const store = open(size);
      const hosts = [];
      for (let i = 0; i < 5; i++) hosts.push(await enroll(store, i));
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < 5; i++) expect((await store.hosts.byNodeKeyHash(`hash-${i}`))?.id).toBe(hosts[i]!.id);
      }
      // The evicted and the kept alike see a write made after they were cached.
      for (const h of hosts) await store.hosts.apply(h.id, write({ details: { osVersion: `v${h.id}` } }), later(1));
      for (let i = 0; i < 5; i++) expect((await store.hosts.byNodeKeyHash(`hash-${i}`))?.osVersion).toBe(`v${hosts[i]!.id}`);
      expect(await store.hosts.byNodeKeyHash('hash-9')).toBeUndefined();
    }
  });
});

describe('agent host cache bookkeeping', () => {
  const host = (id: number) => ({ id, seenTime: NOW }) as Host;

  it('should evict the host cached longest ago past its bound, however recently it was read', () => {
    const cache = new AgentHostCache(2);
    const [a, b, c] = [host(1), host(2), host(3)];
    cache.set('a', a);
    cache.set('b', b);
    expect(cache.get('a')).toBe(a);
    cache.set('c', c);
    expect(cache.size).toBe(2);
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([undefined, b, c]);
    // Cached again, the evicted host is now the newest: b, the oldest, goes, and c's id still finds it.
    cache.set('a', a);
    cache.seen(3, later(1));
    expect([cache.get('a'), cache.get('b'), cache.get('c')?.seenTime, cache.size]).toEqual([a, undefined, later(1), 2]);
  });

  it('should drop a host’s old hash when it is cached under a new one, and set check-in times in place', () => {
    const cache = new AgentHostCache(10);
    const a = host(1);
    cache.set('old', a);
    cache.set('new', a);
    expect([cache.get('old'), cache.get('new'), cache.size]).toEqual([undefined, a, 1]);
    cache.seen(1, later(2));
    expect(cache.get('new')?.seenTime).toEqual(later(2));
    cache.forget(1);
    expect([cache.get('new'), cache.size]).toEqual([undefined, 0]);
  });
});
