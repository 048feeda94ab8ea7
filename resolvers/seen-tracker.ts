import type { HostStore } from './ports.js';

/**
 * Check-in times are kept in memory and written in one batch, so a check-in costs no database
 * write. Readers that compute status ask for the latest time here first.
 */
export type SeenTracker = {
  touch(hostId: number, at: Date): void;
  latest(hostId: number): Date | undefined;
  flush(): Promise<void>;
};

export function createSeenTracker(hosts: HostStore): SeenTracker {
  let pending = new Map<number, Date>();
  let writing: Promise<void> = Promise.resolve();
  return {
    touch(hostId, at) {
      pending.set(hostId, at);
    },
    latest(hostId) {
      return pending.get(hostId);
    },
    flush() {
      if (pending.size === 0) return writing;
      const batch = pending;
      pending = new Map();
      // A failed write must not poison every later one.
      writing = writing.catch(() => undefined).then(() => hosts.markSeen(batch));
      return writing;
    },
  };
}
