/**
 * The node-key cache in front of the agent API's host lookup: whatever the store writes to a host
 * must be what the next lookup answers, a re-enrolled host's old key must stop working at once,
 * and the cache stays within its bound.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../db/sqlite/store.js';
import { emptyWrite } from '../../resolvers/agents.js';
import type { Store } from '../../resolvers/ports.js';
import { hashToken } from '../../resolvers/tokens.js';
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

const enroll = (store: Store, n: number, nodeKey = `key-${n}`, at = NOW) =>
  store.hosts.enroll(
    { osqueryHostId: `osq-${n}`, nodeKeyHash: hashToken(nodeKey), teamId: null, details: { hostname: `h${n}.example.org`, platform: 'ubuntu' }, inventory: {} },
    at,
  );

describe('agent host cache', () => {
  it('should answer what the store last wrote: details, refetch requests and check-in times', async () => {
    const store = open(10);
    const host = await enroll(store, 0);
    expect((await store.hosts.byNodeKey('key-0'))?.platform).toBe('ubuntu');

    await store.hosts.apply(host.id, write({ details: { platform: 'darwin', hostname: 'renamed' }, detailsUpdated: true }), later(1));
    const afterApply = await store.hosts.byNodeKey('key-0');
    expect(afterApply).toMatchObject({ platform: 'darwin', hostname: 'renamed', detailUpdatedAt: later(1), updatedAt: later(1) });

    await store.hosts.requestRefetch(host.id, later(2));
    expect((await store.hosts.byNodeKey('key-0'))?.refetchRequested).toBe(true);
    await store.hosts.apply(host.id, write({ clearRefetch: true }), later(3));
    expect((await store.hosts.byNodeKey('key-0'))?.refetchRequested).toBe(false);

    await store.hosts.markSeen(new Map([[host.id, later(4)]]));
    expect((await store.hosts.byNodeKey('key-0'))?.seenTime).toEqual(later(4));
    expect(await store.hosts.byNodeKey('key-0')).toEqual((await store.hosts.byIds([host.id]))[0]);
  });

  it('should stop accepting a re-enrolled host’s old key at once and accept the new one', async () => {
    const store = open(10);
    const first = await enroll(store, 0, 'old-key');
    expect((await store.hosts.byNodeKey('old-key'))?.id).toBe(first.id);

    const again = await enroll(store, 0, 'new-key', later(5));
    expect(again.id).toBe(first.id);
    expect(await store.hosts.byNodeKey('old-key')).toBeUndefined();
    expect(await store.hosts.byNodeKey('new-key')).toMatchObject({ id: first.id, lastEnrolledAt: later(5) });
  });

  it('should find a host by its key and never by the hash the file keeps, cached or not', async () => {
    for (const size of [10, 0]) {
      const store = open(size);
      await enroll(store, 0, 'secret-key');
      for (let i = 0; i < 2; i++) {
        expect((await store.hosts.byNodeKey('secret-key'))?.osqueryHostId).toBe('osq-0');
        expect(await store.hosts.byNodeKey(hashToken('secret-key'))).toBeUndefined();
      }
    }
  });

  it('should keep answering correctly past its bound, and not at all when turned off', async () => {
    for (const size of [2, 0]) {
      const store = open(size);
      const hosts = [];
      for (let i = 0; i < 5; i++) hosts.push(await enroll(store, i));
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < 5; i++) expect((await store.hosts.byNodeKey(`key-${i}`))?.id).toBe(hosts[i]!.id);
      }
      // The evicted and the kept alike see a write made after they were cached.
      for (const h of hosts) await store.hosts.apply(h.id, write({ details: { osVersion: `v${h.id}` } }), later(1));
      // Newest first, so the entries still cached are read before any miss can evict them.
      for (let i = 4; i >= 0; i--) expect((await store.hosts.byNodeKey(`key-${i}`))?.osVersion).toBe(`v${hosts[i]!.id}`);
      expect(await store.hosts.byNodeKey('key-9')).toBeUndefined();
    }
  });
});
