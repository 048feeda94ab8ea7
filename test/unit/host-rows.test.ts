/**
 * The host lookups served by hand-decoded prepared statements (node key, the unfiltered page)
 * must answer exactly what the query-builder paths answer for the same hosts: dates as dates,
 * booleans as booleans, nulls as nulls.
 */
import { describe, expect, it } from 'vitest';
import { makeDeps, NOW } from './helpers.js';

describe('host rows', () => {
  it('should decode node-key lookups and the plain page exactly as the filtered paths do', async () => {
    const { store } = makeDeps();
    for (let i = 0; i < 3; i++) {
      await store.hosts.enroll(
        {
          osqueryHostId: `osq-${i}`,
          nodeKeyHash: `hash-${i}`,
          teamId: null,
          details: { hostname: `h${i}.example.org`, platform: 'ubuntu', uuid: `uuid-${i}`, memory: 1024 * (i + 1), distributedInterval: 10 },
          inventory: {},
        },
        NOW,
      );
    }
    const [first] = await store.hosts.byHostnames(['h0.example.org']);
    await store.hosts.requestRefetch(first!.id, new Date(NOW.getTime() + 1000));

    const byKey = await store.hosts.byNodeKeyHash('hash-0');
    const [byId] = await store.hosts.byIds([first!.id]);
    expect(byKey).toEqual(byId);
    expect(byKey!.refetchRequested).toBe(true);
    expect(byKey!.updatedAt).toEqual(new Date(NOW.getTime() + 1000));
    expect(byKey!.detailUpdatedAt).toBeNull();
    expect(await store.hosts.byNodeKeyHash('no-such-hash')).toBeUndefined();

    const visibility = { all: true } as const;
    const plain = await store.hosts.list({ visibility, now: NOW }, { offset: 0, limit: 10 });
    // A search every host matches takes the query-builder path.
    const searched = await store.hosts.list({ visibility, now: NOW, search: 'example' }, { offset: 0, limit: 10 });
    expect(plain).toEqual(searched);
    expect(plain.map((h) => h.hostname)).toEqual(['h0.example.org', 'h1.example.org', 'h2.example.org']);
    expect((await store.hosts.list({ visibility, now: NOW }, { offset: 1, limit: 1, order: 'desc' })).map((h) => h.hostname)).toEqual(['h1.example.org']);
    expect(await store.hosts.total({ visibility, now: NOW })).toBe(3);
  });
});
