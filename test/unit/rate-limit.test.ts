import { describe, expect, it } from 'vitest';
import { RateLimitedError } from '../../resolvers/errors.js';
import { createRateLimiter } from '../../resolvers/rate-limit.js';

const T0 = new Date('2024-05-06T07:00:00.000Z');
const at = (ms: number): Date => new Date(T0.getTime() + ms);

function limited(fn: () => void): RateLimitedError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RateLimitedError);
    return e as RateLimitedError;
  }
  throw new Error('expected RateLimitedError');
}

describe('createRateLimiter().hit', () => {
  it('allows up to the limit within one window', () => {
    const limiter = createRateLimiter({ limit: 3, windowMs: 60_000 });
    for (let i = 0; i < 3; i++) expect(() => limiter.hit(['k'], at(i * 1000))).not.toThrow();
  });

  it('throws RateLimitedError once the limit is exceeded, with the seconds left in the window', () => {
    const limiter = createRateLimiter({ limit: 2, windowMs: 60_000 });
    limiter.hit(['k'], at(0));
    limiter.hit(['k'], at(1_000));
    const e = limited(() => limiter.hit(['k'], at(10_000)));
    expect(e.retryAfterSeconds).toBe(50);
    expect(e.httpStatus).toBe(429);
    expect(e.message).toBe('too many attempts, retry in 50 seconds');
  });

  it('rounds the retry delay up to whole seconds', () => {
    const limiter = createRateLimiter({ limit: 1, windowMs: 60_000 });
    limiter.hit(['k'], at(0));
    expect(limited(() => limiter.hit(['k'], at(59_001))).retryAfterSeconds).toBe(1);
  });

  it('keeps refusing until the window ends', () => {
    const limiter = createRateLimiter({ limit: 1, windowMs: 60_000 });
    limiter.hit(['k'], at(0));
    limited(() => limiter.hit(['k'], at(1_000)));
    expect(limited(() => limiter.hit(['k'], at(59_999))).retryAfterSeconds).toBe(1);
  });

  it('resets the count when the window has expired', () => {
    const limiter = createRateLimiter({ limit: 1, windowMs: 60_000 });
    limiter.hit(['k'], at(0));
    limited(() => limiter.hit(['k'], at(30_000)));
    expect(() => limiter.hit(['k'], at(60_000))).not.toThrow();
    expect(limited(() => limiter.hit(['k'], at(61_000))).retryAfterSeconds).toBe(59);
  });

  it('counts each key separately', () => {
    const limiter = createRateLimiter({ limit: 1, windowMs: 60_000 });
    limiter.hit(['a'], at(0));
    expect(() => limiter.hit(['b'], at(0))).not.toThrow();
    limited(() => limiter.hit(['a'], at(0)));
  });

  it('refuses when any one of the keys is over its limit, using the longest wait', () => {
    const limiter = createRateLimiter({ limit: 1, windowMs: 60_000 });
    limiter.hit(['email:x'], at(0));
    limiter.hit(['addr:y'], at(20_000));
    const e = limited(() => limiter.hit(['email:x', 'addr:y'], at(30_000)));
    expect(e.retryAfterSeconds).toBe(50);
  });

  it('records the attempt on every key even when another key refuses it', () => {
    const limiter = createRateLimiter({ limit: 1, windowMs: 60_000 });
    limiter.hit(['a'], at(0));
    limited(() => limiter.hit(['a', 'b'], at(1_000)));
    limited(() => limiter.hit(['b'], at(2_000)));
  });
});

describe('createRateLimiter().check', () => {
  it('passes while the key has attempts left and records nothing', () => {
    const limiter = createRateLimiter({ limit: 2, windowMs: 60_000 });
    limiter.hit(['k'], at(0));
    for (let i = 0; i < 5; i++) expect(() => limiter.check(['k'], at(1_000))).not.toThrow();
    expect(() => limiter.hit(['k'], at(2_000))).not.toThrow();
  });

  it('passes for a key never hit', () => {
    expect(() => createRateLimiter({ limit: 1, windowMs: 60_000 }).check(['k'], at(0))).not.toThrow();
  });

  it('refuses once the limit is used up, with the seconds left in the window', () => {
    const limiter = createRateLimiter({ limit: 2, windowMs: 60_000 });
    limiter.hit(['k'], at(0));
    limiter.hit(['k'], at(1_000));
    expect(limited(() => limiter.check(['k'], at(10_000))).retryAfterSeconds).toBe(50);
  });

  it('passes again when the window has expired', () => {
    const limiter = createRateLimiter({ limit: 1, windowMs: 60_000 });
    limiter.hit(['k'], at(0));
    limited(() => limiter.check(['k'], at(59_999)));
    expect(() => limiter.check(['k'], at(60_000))).not.toThrow();
  });

  it('refuses when any one of the keys is used up', () => {
    const limiter = createRateLimiter({ limit: 1, windowMs: 60_000 });
    limiter.hit(['a'], at(0));
    expect(limited(() => limiter.check(['b', 'a'], at(30_000))).retryAfterSeconds).toBe(30);
  });
});
