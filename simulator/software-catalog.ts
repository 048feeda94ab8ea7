import type { Platform } from './platform-mix.js';

/**
 * A title a host may have installed. `share` is the fraction of hosts of the platform that
 * have it; several versions make software inventory and vulnerability views non-trivial.
 */
export interface CatalogEntry {
  name: string;
  versions: readonly string[];
  source: string;
  bundleIdentifier?: string;
  share: number;
  /** Only GUI apps report a last-opened time; packages leave it empty. */
  opened?: boolean;
}

const chromeExtensions: readonly CatalogEntry[] = [
  { name: 'Google Docs Offline', versions: ['1.71.0', '1.74.0'], source: 'chrome_extensions', share: 0.6 },
  { name: '1Password – Password Manager', versions: ['2.24.1', '2.26.0'], source: 'chrome_extensions', share: 0.35 },
  { name: 'uBlock Origin', versions: ['1.56.0', '1.58.0'], source: 'chrome_extensions', share: 0.25 },
];

const darwin: readonly CatalogEntry[] = [
  { name: 'Safari.app', versions: ['17.5', '17.6', '18.1'], source: 'apps', bundleIdentifier: 'com.apple.Safari', share: 1, opened: true },
  { name: 'Google Chrome.app', versions: ['126.0.6478.127', '127.0.6533.100', '128.0.6613.120'], source: 'apps', bundleIdentifier: 'com.google.Chrome', share: 0.9, opened: true },
  { name: 'Slack.app', versions: ['4.38.125', '4.39.95', '4.40.126'], source: 'apps', bundleIdentifier: 'com.tinyspeck.slackmacgap', share: 0.85, opened: true },
  { name: 'zoom.us.app', versions: ['5.17.11', '6.0.11', '6.1.6'], source: 'apps', bundleIdentifier: 'us.zoom.xos', share: 0.7, opened: true },
  { name: 'Visual Studio Code.app', versions: ['1.89.1', '1.91.1', '1.93.0'], source: 'apps', bundleIdentifier: 'com.microsoft.VSCode', share: 0.45, opened: true },
  { name: 'Firefox.app', versions: ['126.0', '128.0.3', '130.0'], source: 'apps', bundleIdentifier: 'org.mozilla.firefox', share: 0.3, opened: true },
  { name: 'Microsoft Word.app', versions: ['16.85', '16.88'], source: 'apps', bundleIdentifier: 'com.microsoft.Word', share: 0.5, opened: true },
  { name: 'Microsoft Excel.app', versions: ['16.85', '16.88'], source: 'apps', bundleIdentifier: 'com.microsoft.Excel', share: 0.5, opened: true },
  { name: '1Password.app', versions: ['8.10.30', '8.10.36'], source: 'apps', bundleIdentifier: 'com.1password.1password', share: 0.4, opened: true },
  { name: 'Docker.app', versions: ['4.30.0', '4.33.1'], source: 'apps', bundleIdentifier: 'com.docker.docker', share: 0.25, opened: true },
  { name: 'iTerm.app', versions: ['3.5.2', '3.5.4'], source: 'apps', bundleIdentifier: 'com.googlecode.iterm2', share: 0.3, opened: true },
  { name: 'Fleet Desktop.app', versions: ['1.30.0', '1.32.0'], source: 'apps', bundleIdentifier: 'com.fleetdm.desktop', share: 0.8, opened: true },
  { name: 'git', versions: ['2.45.2', '2.46.0'], source: 'homebrew_packages', share: 0.35 },
  { name: 'openssl@3', versions: ['3.3.1', '3.3.2'], source: 'homebrew_packages', share: 0.3 },
  { name: 'node', versions: ['20.15.1', '22.6.0'], source: 'homebrew_packages', share: 0.2 },
  { name: 'jq', versions: ['1.7.1'], source: 'homebrew_packages', share: 0.2 },
  ...chromeExtensions,
];

const ubuntu: readonly CatalogEntry[] = [
  { name: 'bash', versions: ['5.1-6ubuntu1.1', '5.2.21-2ubuntu4'], source: 'deb_packages', share: 1 },
  { name: 'coreutils', versions: ['8.32-4.1ubuntu1.2', '9.4-3ubuntu6'], source: 'deb_packages', share: 1 },
  { name: 'openssl', versions: ['3.0.2-0ubuntu1.15', '3.0.2-0ubuntu1.18', '3.0.13-0ubuntu3.4'], source: 'deb_packages', share: 1 },
  { name: 'libc6', versions: ['2.35-0ubuntu3.7', '2.35-0ubuntu3.8', '2.39-0ubuntu8.3'], source: 'deb_packages', share: 1 },
  { name: 'openssh-server', versions: ['1:8.9p1-3ubuntu0.7', '1:8.9p1-3ubuntu0.10', '1:9.6p1-3ubuntu13.5'], source: 'deb_packages', share: 0.9 },
  { name: 'sudo', versions: ['1.9.9-1ubuntu2.4', '1.9.15p5-3ubuntu5'], source: 'deb_packages', share: 1 },
  { name: 'curl', versions: ['7.81.0-1ubuntu1.16', '8.5.0-2ubuntu10.4'], source: 'deb_packages', share: 0.95 },
  { name: 'git', versions: ['1:2.34.1-1ubuntu1.11', '1:2.43.0-1ubuntu7.1'], source: 'deb_packages', share: 0.6 },
  { name: 'python3', versions: ['3.10.6-1~22.04', '3.12.3-0ubuntu2'], source: 'deb_packages', share: 0.9 },
  { name: 'nginx', versions: ['1.18.0-6ubuntu14.4', '1.24.0-2ubuntu7'], source: 'deb_packages', share: 0.3 },
  { name: 'docker-ce', versions: ['5:26.1.4-1~ubuntu.22.04~jammy', '5:27.1.1-1~ubuntu.22.04~jammy'], source: 'deb_packages', share: 0.35 },
  { name: 'osquery', versions: ['5.12.1-1.linux', '5.13.1-1.linux'], source: 'deb_packages', share: 1 },
  { name: 'requests', versions: ['2.25.1', '2.31.0'], source: 'python_packages', share: 0.5 },
  ...chromeExtensions.map((e) => ({ ...e, share: e.share / 4 })),
];

const centos: readonly CatalogEntry[] = [
  { name: 'bash', versions: ['4.2.46-35.el7_9', '5.1.8-9.el9'], source: 'rpm_packages', share: 1 },
  { name: 'glibc', versions: ['2.17-326.el7_9', '2.34-100.el9'], source: 'rpm_packages', share: 1 },
  { name: 'openssl', versions: ['1.0.2k-26.el7_9', '3.0.7-27.el9'], source: 'rpm_packages', share: 1 },
  { name: 'openssh-server', versions: ['7.4p1-23.el7_9', '8.7p1-38.el9'], source: 'rpm_packages', share: 0.95 },
  { name: 'sudo', versions: ['1.8.23-10.el7_9.3', '1.9.5p2-10.el9'], source: 'rpm_packages', share: 1 },
  { name: 'kernel', versions: ['3.10.0-1160.119.1.el7', '5.14.0-427.el9'], source: 'rpm_packages', share: 1 },
  { name: 'curl', versions: ['7.29.0-59.el7_9.2', '7.76.1-29.el9'], source: 'rpm_packages', share: 0.95 },
  { name: 'httpd', versions: ['2.4.6-99.el7.centos.1', '2.4.57-8.el9'], source: 'rpm_packages', share: 0.3 },
  { name: 'postgresql-server', versions: ['9.2.24-9.el7_9', '13.14-1.el9'], source: 'rpm_packages', share: 0.2 },
  { name: 'osquery', versions: ['5.12.1-1.linux', '5.13.1-1.linux'], source: 'rpm_packages', share: 1 },
];

const windows: readonly CatalogEntry[] = [
  { name: 'Microsoft Edge', versions: ['126.0.2592.113', '127.0.2651.98', '128.0.2739.67'], source: 'programs', share: 1 },
  { name: 'Google Chrome', versions: ['126.0.6478.127', '127.0.6533.100', '128.0.6613.120'], source: 'programs', share: 0.85 },
  { name: 'Mozilla Firefox (x64 en-US)', versions: ['126.0', '128.0.3'], source: 'programs', share: 0.25 },
  { name: 'Microsoft 365 Apps for enterprise - en-us', versions: ['16.0.17628.20144', '16.0.17726.20160'], source: 'programs', share: 0.75 },
  { name: 'Zoom Workplace (64-bit)', versions: ['6.0.11', '6.1.6'], source: 'programs', share: 0.6 },
  { name: 'Slack', versions: ['4.38.125', '4.39.95'], source: 'programs', share: 0.6 },
  { name: '7-Zip 23.01 (x64)', versions: ['23.01'], source: 'programs', share: 0.4 },
  { name: 'Notepad++ (64-bit x64)', versions: ['8.6.7', '8.6.9'], source: 'programs', share: 0.3 },
  { name: 'Git', versions: ['2.45.2', '2.46.0'], source: 'programs', share: 0.25 },
  { name: 'Microsoft Visual C++ 2015-2022 Redistributable (x64) - 14.40.33810', versions: ['14.40.33810.0'], source: 'programs', share: 0.9 },
  { name: 'osquery', versions: ['5.12.1', '5.13.1'], source: 'programs', share: 1 },
  { name: 'Fleet osquery', versions: ['1.30.0', '1.32.0'], source: 'programs', share: 0.9 },
  ...chromeExtensions,
];

export const SOFTWARE_CATALOG: Readonly<Record<Platform, readonly CatalogEntry[]>> = { darwin, ubuntu, centos, windows };
