/**
 * SockJS escapes every message it sends for its array frame (`a["…"]`), once per session: ten
 * SockJS subscribers of a campaign escaped each shared result frame ten times, 7 % of the server's
 * CPU in the fan-out benchmark. Result frames are shared strings, so the escaped form of recent
 * messages is kept and reused. sockjs looks `quote` up on its utils module at every call, which is
 * what lets it be replaced here.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

type Utils = { quote: ((text: string) => string) & { cached?: true } };

/** Recent messages kept escaped; the cache starts over when full (a busy campaign refills it at once). */
const MAX_CACHED = 1024;

export function cacheSockjsQuoting(): void {
  const utils = require('sockjs/lib/utils.js') as Utils;
  if (utils.quote.cached) return;
  const quote = utils.quote;
  let quoted = new Map<string, string>();
  const cachedQuote = (text: string): string => {
    let out = quoted.get(text);
    if (out === undefined) {
      if (quoted.size >= MAX_CACHED) quoted = new Map();
      quoted.set(text, (out = quote(text)));
    }
    return out;
  };
  utils.quote = Object.assign(cachedQuote, { cached: true as const });
}
