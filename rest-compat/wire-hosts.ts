/** Hosts in Fleet's JSON (HostResponse and the host detail shape). */
import type { HostDetail } from '../resolvers/hosts.js';
import { hostStatus } from '../resolvers/host-status.js';
import type { Host, Label, Pack, Policy, PolicyResponse, Team } from '../resolvers/model.js';
import { iso } from './wire.js';


/** Fleet's HostResponse: the host's columns plus its status and display text. */
export const hostJson = (h: Host, now: Date, team?: Team | null) => ({
  created_at: iso(h.createdAt),
  updated_at: iso(h.updatedAt),
  id: h.id,
  detail_updated_at: iso(h.detailUpdatedAt),
  label_updated_at: iso(h.labelUpdatedAt),
  policy_updated_at: iso(h.policyUpdatedAt),
  last_enrolled_at: iso(h.lastEnrolledAt),
  seen_time: iso(h.seenTime),
  refetch_requested: h.refetchRequested,
  hostname: h.hostname,
  uuid: h.uuid,
  platform: h.platform,
  osquery_version: h.osqueryVersion,
  os_version: h.osVersion,
  build: h.build,
  platform_like: h.platformLike,
  code_name: h.codeName,
  uptime: h.uptime,
  memory: h.memory,
  cpu_type: h.cpuType,
  cpu_subtype: h.cpuSubtype,
  cpu_brand: h.cpuBrand,
  cpu_physical_cores: h.cpuPhysicalCores,
  cpu_logical_cores: h.cpuLogicalCores,
  hardware_vendor: h.hardwareVendor,
  hardware_model: h.hardwareModel,
  hardware_version: h.hardwareVersion,
  hardware_serial: h.hardwareSerial,
  computer_name: h.computerName,
  public_ip: h.publicIp,
  primary_ip: h.primaryIp,
  primary_mac: h.primaryMac,
  distributed_interval: h.distributedInterval,
  config_tls_refresh: h.configTlsRefresh,
  logger_tls_period: h.loggerTlsPeriod,
  team_id: h.teamId,
  team_name: team?.name ?? null,
  pack_stats: null,
  additional: {},
  gigs_disk_space_available: h.gigsDiskSpaceAvailable,
  percent_disk_space_available: h.percentDiskSpaceAvailable,
  status: hostStatus(h, now),
  display_text: h.hostname,
  display_name: h.computerName || h.hostname,
});

export const labelJson = (l: Label) => ({
  created_at: iso(l.createdAt),
  updated_at: iso(l.updatedAt),
  id: l.id,
  name: l.name,
  description: l.description,
  query: l.query,
  platform: l.platform,
  label_type: l.labelType,
  label_membership_type: l.labelMembershipType,
});

const packJson = (p: Pack) => ({
  created_at: iso(p.createdAt),
  updated_at: iso(p.updatedAt),
  id: p.id,
  name: p.name,
  description: p.description,
  platform: p.platform,
  disabled: p.disabled,
});

/** Fleet's host detail: the host plus labels, packs, software, users, batteries and policies. */
export const hostDetailJson = (d: HostDetail, now: Date) => ({
  ...hostJson(d.host, now, d.team),
  labels: d.labels.map(labelJson),
  packs: d.packs.map(packJson),
  software: (d.inventory.software ?? []).map((s, i) => ({
    id: i + 1,
    name: s.name,
    version: s.version,
    source: s.source,
    ...(s.bundleIdentifier ? { bundle_identifier: s.bundleIdentifier } : {}),
    ...(s.lastOpenedAt ? { last_opened_at: iso(s.lastOpenedAt) } : {}),
    generated_cpe: '',
    vulnerabilities: null,
  })),
  users: (d.inventory.users ?? []).map((u) => ({ uid: u.uid, username: u.username, type: u.type, groupname: u.groupname, shell: u.shell })),
  batteries: (d.inventory.batteries ?? []).map((b) => ({ cycle_count: b.cycleCount, health: b.health })),
  policies: d.policies.map(hostPolicyJson),
});

/** A policy as it applies to one host, with that host's answer. */
export const hostPolicyJson = (p: Policy & { response: PolicyResponse }) => ({
  id: p.id,
  name: p.name,
  query: p.query,
  description: p.description,
  resolution: p.resolution,
  platform: p.platform,
  response: p.response,
});
