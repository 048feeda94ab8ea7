/**
 * V8 settings for the server process, applied before the rest of the server is loaded (main.ts
 * imports this module first). NODE_OPTIONS does not accept these flags, and set here they hold
 * whatever command starts main.ts.
 *
 * Allocation-site pretenuring off. V8 marks an allocation site as long-lived when every object it
 * sampled from the site survived (`--trace-pretenuring-statistics` showed five such sites in the
 * server) and from then on allocates the site's objects straight in the old generation, short-lived
 * ones included. A dead old object still keeps the young objects it points to alive through every
 * scavenge until the next full collection. Under GraphQL `hosts(first: 100)` load that promoted
 * 134 KB per scavenge (about 5 KB of every request) and brought a full collection every 1.3–3.4 s:
 * 8–13 ms of pause plus marking steps of up to 20 ms, stalling every request in flight. With
 * pretenuring off, 10 KB per scavenge is promoted and the p99 of that request halved; check-ins
 * were at most 3 % slower, within this machine's noise (docs/benchmarks.md, "What changed").
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--no-allocation-site-pretenuring');
