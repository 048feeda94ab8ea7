import type { LicenseTier, Viewer } from './model.js';
import type { AgentLogSink, InstallerStore, LiveQueryRouter, ResultStore, Store } from './ports.js';
import type { PasswordHasher } from './passwords.js';
import type { RateLimiter } from './rate-limit.js';
import type { SeenTracker } from './seen-tracker.js';
import type { CampaignLimits } from './campaigns.js';
import type { LiveCampaigns } from './live-campaigns.js';

/** How often agents are asked again for details, labels and policies (Fleet's defaults: 1 h). */
export type AgentIntervals = { detailSeconds: number; labelSeconds: number; policySeconds: number };

/** Everything the domain needs from the outside world, built once by app.ts. */
export type Deps = {
  store: Store;
  clock: () => Date;
  license: LicenseTier;
  passwords: PasswordHasher;
  loginLimiter: RateLimiter;
  /** How long a login session lasts. */
  sessionTtlSeconds: number;
  seen: SeenTracker;
  agentIntervals: AgentIntervals;
  liveQueries: LiveQueryRouter;
  live: LiveCampaigns;
  results: ResultStore;
  campaignLimits: CampaignLimits;
  agentLog: AgentLogSink;
  /** Counts failed device-authenticated requests per address and route. */
  deviceLimiter: RateLimiter;
  installers: InstallerStore;
};

/** One caller's view of the domain: shared by every transport. */
export type Ctx = {
  deps: Deps;
  viewer: Viewer | null;
  /** The caller's network address, for rate limits. */
  remoteAddress: string;
  /**
   * Cuts the caller's connection: how a stream drops a subscriber that fell too far behind while
   * its sender is stuck on a full socket (it cannot be told through the stream it no longer reads).
   */
  disconnect?: () => void;
};
