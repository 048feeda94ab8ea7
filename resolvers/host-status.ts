import type { Host, HostStatus } from './model.js';

/** Fleet's OnlineIntervalBuffer: a host is online until min(intervals) + 60 s after its last check-in. */
export const ONLINE_BUFFER_SECONDS = 60;
export const MIA_MS = 30 * 24 * 3600 * 1000;
export const NEW_MS = 24 * 3600 * 1000;

type StatusInputs = Pick<Host, 'seenTime' | 'distributedInterval' | 'configTlsRefresh' | 'createdAt'>;

export function isOnline(h: StatusInputs, now: Date): boolean {
  const window = Math.min(h.distributedInterval, h.configTlsRefresh) + ONLINE_BUFFER_SECONDS;
  return h.seenTime.getTime() + window * 1000 > now.getTime();
}

export const isMissingInAction = (h: StatusInputs, now: Date): boolean => h.seenTime.getTime() + MIA_MS <= now.getTime();

export const isNew = (h: StatusInputs, now: Date): boolean => h.createdAt.getTime() + NEW_MS >= now.getTime();

/** online, offline or mia (MIA hosts are also offline; "new" is reported apart, see isNew). */
export function hostStatus(h: StatusInputs, now: Date): Exclude<HostStatus, 'new'> {
  if (isOnline(h, now)) return 'online';
  return isMissingInAction(h, now) ? 'mia' : 'offline';
}

const LINUX = new Set([
  'linux', 'ubuntu', 'debian', 'centos', 'rhel', 'fedora', 'amzn', 'arch', 'manjaro', 'gentoo',
  'opensuse', 'opensuse-leap', 'opensuse-tumbleweed', 'sles', 'suse', 'ol', 'rocky', 'almalinux', 'kali', 'pop', 'linuxmint',
]);

/** The policy platform family of a host platform: darwin, windows, linux or chrome. */
export function platformFamily(platform: string): string {
  if (platform === 'darwin' || platform === 'windows' || platform === 'chrome') return platform;
  return LINUX.has(platform) ? 'linux' : platform;
}

/** Fleet's ListPoliciesForHost rule: a policy runs where its platform list is empty or names the host's family. */
export const policyAppliesTo = (policyPlatform: string, hostPlatform: string): boolean =>
  policyPlatform === '' || policyPlatform.split(',').includes(platformFamily(hostPlatform));
