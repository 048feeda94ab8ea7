/**
 * SockJS escapes every message it sends for its array frame (`a["…"]`), once per session: ten
 * SockJS subscribers of a campaign escaped each shared result frame ten times, 7 % of the server's
 * CPU in the fan-out benchmark. Result frames are shared strings, so the escaped form of recent
 * messages is kept and reused. sockjs looks `quote` up on its utils module at every call, which is
 * what lets it be replaced here.
 */
import { createRequire } from 'node:module';
import { LRUCache } from 'lru-cache';

const require = createRequire(import.meta.url);

type Utils = { quote: ((text: string) => string) & { cached?: true } };

/**
 * Bounded like the result frames themselves (wire-campaigns.ts): a campaign's subscribers send a
 * result within moments of each other, so a short life is enough, and nothing outlives it.
 */
const MAX_CACHED_CHARS = 32 * 1024 * 1024;
const TTL_MS = 10_000;

export function cacheSockjsQuoting(): void {
  const utils = require('sockjs/lib/utils.js') as Utils;
  if (utils.quote.cached) return;
  const quote = utils.quote;
  const quoted = new LRUCache<string, string>({
    maxSize: MAX_CACHED_CHARS,
    sizeCalculation: (out, text) => out.length + text.length,
    ttl: TTL_MS,
    ttlResolution: 1000,
  });
  setInterval(() => quoted.purgeStale(), TTL_MS).unref();
  const cachedQuote = (text: string): string => {
    let out = quoted.get(text);
    if (out === undefined) {
      out = quote(text);
      // A message too large for the cache is escaped each time, as sockjs would.
      if (out.length + text.length <= MAX_CACHED_CHARS / 4) quoted.set(text, out);
    }
    return out;
  };
  utils.quote = Object.assign(cachedQuote, { cached: true as const });
}
