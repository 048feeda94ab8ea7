// Deterministic randomness: the same seed must always produce the same fleet, so that
// re-running the simulator re-enrolls the same hosts and tests can assert exact values.

export type Seed = number | string;

// FNV-1a over the joined parts, then murmur3's finalizer: FNV alone clusters badly on
// short inputs that differ only in their last characters (host-0001, host-0002, ...).
export function hash32(...parts: readonly (string | number)[]): number {
  const text = parts.join('\u0000');
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A stable number in [0, 1) for a tuple of keys. */
export function stableUnit(...parts: readonly (string | number)[]): number {
  return hash32(...parts) / 0x1_0000_0000;
}

export interface Rng {
  next(): number;
  int(minInclusive: number, maxInclusive: number): number;
  pick<T>(items: readonly T[]): T;
  chance(probability: number): boolean;
  hex(length: number): string;
  alnum(length: number): string;
}

/** mulberry32: tiny, fast, and good enough for synthetic data (not for secrets). */
export function createRng(...seedParts: readonly (string | number)[]): Rng {
  let state = hash32(...seedParts);
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 0x1_0000_0000;
  };
  const int = (min: number, max: number): number => min + Math.floor(next() * (max - min + 1));
  const fromAlphabet = (alphabet: string, length: number): string => {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[int(0, alphabet.length - 1)];
    return out;
  };
  return {
    next,
    int,
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new Error('pick from an empty list');
      return items[int(0, items.length - 1)] as T;
    },
    chance: (p) => next() < p,
    hex: (length) => fromAlphabet('0123456789abcdef', length),
    alnum: (length) => fromAlphabet('ABCDEFGHJKLMNPQRSTUVWXYZ0123456789', length),
  };
}
