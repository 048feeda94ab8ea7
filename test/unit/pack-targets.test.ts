/**
 * Which packs target a host: by label membership, by team, or none. Agent config asks for one host
 * at a time (a prepared statement of its own); listings ask for many: both must agree.
 */
import { describe, expect, it } from 'vitest';
import { applyLabelSpecs } from '../../resolvers/labels.js';
import { applyPackSpecs } from '../../resolvers/packs.js';
import { applyQuerySpecs } from '../../resolvers/saved-queries.js';
import { makeEnv } from './helpers.js';

describe('packs targeting a host', () => {
  it('should give one host the same packs asked alone as asked with others', async () => {
    const env = await makeEnv();
    const teamA = await env.team('Team A');
    const web = await env.host('web-1');
    const teamed = await env.host('db-1', teamA);
    const both = await env.host('web-2', teamA);
    const none = await env.host('lonely');
    await applyLabelSpecs(env.admin, [{ name: 'web', labelMembershipType: 'manual', hosts: ['web-1', 'web-2'] }]);
    await applyQuerySpecs(env.admin, [{ name: 'uptime', query: 'SELECT * FROM uptime' }]);
    await applyPackSpecs(env.admin, [
      { name: 'by-label', queries: [{ query: 'uptime', interval: 60 }], targets: { labels: ['web'] } },
      { name: 'by-team', queries: [{ query: 'uptime', interval: 60 }], targets: { teams: ['Team A'] } },
      { name: 'by-both', queries: [{ query: 'uptime', interval: 60 }], targets: { labels: ['web'], teams: ['Team A'] } },
      { name: 'nobody', queries: [{ query: 'uptime', interval: 60 }], targets: { labels: [], teams: [] } },
    ]);
    const ids = Object.fromEntries((await env.store.packs.list()).map((p) => [p.name, p.id]));
    const hosts = await env.store.hosts.byIds([web, teamed, both, none]);
    const together = await env.store.hosts.packIds(hosts);
    const alone = new Map(await Promise.all(hosts.map(async (h) => [h.id, (await env.store.hosts.packIds([h])).get(h.id)] as const)));
    expect(alone).toEqual(together);
    expect(together).toEqual(
      new Map([
        [web, [ids['by-label'], ids['by-both']]],
        [teamed, [ids['by-team'], ids['by-both']]],
        [both, [ids['by-label'], ids['by-team'], ids['by-both']]],
        [none, []],
      ]),
    );
  });
});
