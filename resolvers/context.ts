import type { LicenseTier, Viewer } from './model.js';
import type { Store } from './ports.js';
import type { PasswordHasher } from './passwords.js';
import type { RateLimiter } from './rate-limit.js';

/** Everything the domain needs from the outside world, built once by app.ts. */
export type Deps = {
  store: Store;
  clock: () => Date;
  license: LicenseTier;
  passwords: PasswordHasher;
  loginLimiter: RateLimiter;
};

/** One caller's view of the domain: shared by every transport. */
export type Ctx = {
  deps: Deps;
  viewer: Viewer | null;
  /** The caller's network address, for rate limits. */
  remoteAddress: string;
};
