import { stableUnit, type Seed } from './random.js';

export const PLATFORMS = ['darwin', 'ubuntu', 'centos', 'windows'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** Relative weights; they need not sum to 100. */
export type PlatformMix = Partial<Record<Platform, number>>;

export const DEFAULT_PLATFORM_MIX: PlatformMix = { darwin: 40, ubuntu: 30, windows: 20, centos: 10 };

export function isPlatform(value: string): value is Platform {
  return (PLATFORMS as readonly string[]).includes(value);
}

/** Parses `darwin=40,ubuntu=30,...`; throws an Error whose message is fit for a CLI user. */
export function parsePlatformMix(text: string): PlatformMix {
  const mix: PlatformMix = {};
  for (const part of text.split(',')) {
    const [key, value, ...rest] = part.split('=').map((s) => s.trim());
    if (!key || value === undefined || rest.length > 0) {
      throw new Error(`platform mix entry "${part}" must look like darwin=40`);
    }
    if (!isPlatform(key)) throw new Error(`unknown platform "${key}" (use ${PLATFORMS.join(', ')})`);
    const weight = Number(value);
    if (value === '' || !Number.isFinite(weight) || weight < 0) {
      throw new Error(`weight of ${key} must be a non-negative number, got "${value}"`);
    }
    mix[key] = weight;
  }
  validatePlatformMix(mix);
  return mix;
}

export function validatePlatformMix(mix: PlatformMix): void {
  const total = PLATFORMS.reduce((sum, p) => sum + (mix[p] ?? 0), 0);
  if (!(total > 0)) throw new Error('platform mix weights must add up to more than 0');
}

const GOLDEN = (Math.sqrt(5) - 1) / 2;

/**
 * Host i's platform depends only on (seed, i, mix), never on the fleet size, so a larger run
 * with the same seed keeps every host of a smaller one. The golden-ratio sequence spreads
 * points so evenly that any prefix of hosts matches the mix within a host or two per
 * platform, which independent coin flips would not for small fleets.
 */
export function platformForIndex(index: number, mix: PlatformMix, seed: Seed): Platform {
  const total = PLATFORMS.reduce((sum, p) => sum + (mix[p] ?? 0), 0);
  const point = (stableUnit(seed, 'platform-offset') + index * GOLDEN) % 1;
  let edge = 0;
  for (const platform of PLATFORMS) {
    const weight = mix[platform] ?? 0;
    if (weight <= 0) continue;
    edge += weight / total;
    if (point < edge) return platform;
  }
  // Floating-point rounding can leave the point just above the last edge.
  return [...PLATFORMS].reverse().find((p) => (mix[p] ?? 0) > 0) ?? 'ubuntu';
}
