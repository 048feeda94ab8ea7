import { RateLimitedError } from './errors.js';

export type RateLimiter = {
  /** Records one attempt for every key; throws RateLimitedError when any key is over its limit. */
  hit(keys: readonly string[], now: Date): void;
  /** Records nothing; throws RateLimitedError when any key has used up its limit (the next hit would be refused). */
  check(keys: readonly string[], now: Date): void;
};

/**
 * Fixed-window counters per key, held in memory. Expired windows are swept as they are met,
 * so memory stays bounded by the keys seen in one window.
 */
export function createRateLimiter(opts: { limit: number; windowMs: number }): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  return {
    hit(keys, now) {
      const t = now.getTime();
      if (windows.size > 10_000) {
        for (const [k, w] of windows) if (t - w.start >= opts.windowMs) windows.delete(k);
      }
      let retryAfter = 0;
      for (const key of keys) {
        let w = windows.get(key);
        if (!w || t - w.start >= opts.windowMs) {
          w = { start: t, count: 0 };
          windows.set(key, w);
        }
        w.count += 1;
        if (w.count > opts.limit) retryAfter = Math.max(retryAfter, Math.ceil((w.start + opts.windowMs - t) / 1000));
      }
      if (retryAfter > 0) throw new RateLimitedError(retryAfter);
    },
    check(keys, now) {
      const t = now.getTime();
      let retryAfter = 0;
      for (const key of keys) {
        const w = windows.get(key);
        if (w && t - w.start < opts.windowMs && w.count >= opts.limit) {
          retryAfter = Math.max(retryAfter, Math.ceil((w.start + opts.windowMs - t) / 1000));
        }
      }
      if (retryAfter > 0) throw new RateLimitedError(retryAfter);
    },
  };
}
