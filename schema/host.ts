import { resolveOffsetConnection } from '@pothos/plugin-relay';
import * as hosts from '../resolvers/hosts.js';
import { hostStatus, isNew } from '../resolvers/host-status.js';
import {
  HOST_STATUSES,
  type DeviceMapping,
  type Host,
  type HostBattery,
  type HostSoftware,
  type HostUser,
  type MdmInfo,
  type MunkiInfo,
} from '../resolvers/model.js';
import { builder, toId } from './builder.js';
import { hostFieldsRead } from './host-fields.js';
import { LabelRef } from './label.js';
import { present } from './loaded.js';
import { PackRef } from './pack.js';
import { PolicyRef } from './policy.js';
import { TeamRef } from './team.js';

export const HostStatusEnum = builder.enumType('HostStatus', {
  values: Object.fromEntries(HOST_STATUSES.map((s) => [s.toUpperCase(), { value: s }])) as Record<
    'ONLINE' | 'OFFLINE' | 'MIA' | 'NEW',
    { value: (typeof HOST_STATUSES)[number] }
  >,
});

const HostUserRef = builder.objectRef<HostUser>('HostUser').implement({
  fields: (t) => ({
    uid: t.exposeInt('uid'),
    username: t.exposeString('username'),
    type: t.exposeString('type'),
    groupname: t.exposeString('groupname'),
    shell: t.exposeString('shell'),
  }),
});

const SoftwareRef = builder.objectRef<HostSoftware>('Software').implement({
  fields: (t) => ({
    name: t.exposeString('name'),
    version: t.exposeString('version'),
    source: t.exposeString('source'),
    bundleIdentifier: t.exposeString('bundleIdentifier'),
    lastOpenedAt: t.expose('lastOpenedAt', { type: 'DateTime', nullable: true }),
  }),
});

const BatteryRef = builder.objectRef<HostBattery>('Battery').implement({
  fields: (t) => ({
    serialNumber: t.exposeString('serialNumber'),
    cycleCount: t.exposeInt('cycleCount'),
    health: t.exposeString('health'),
  }),
});

const DeviceMappingRef = builder.objectRef<DeviceMapping>('DeviceMapping').implement({
  fields: (t) => ({ email: t.exposeString('email'), source: t.exposeString('source') }),
});

const MunkiRef = builder.objectRef<MunkiInfo>('MunkiInfo').implement({
  fields: (t) => ({ version: t.exposeString('version') }),
});

const MdmRef = builder.objectRef<MdmInfo>('MdmInfo').implement({
  fields: (t) => ({
    enrollmentStatus: t.exposeString('enrollmentStatus'),
    serverUrl: t.exposeString('serverUrl'),
    name: t.exposeString('name'),
    installedFromDep: t.exposeBoolean('installedFromDep'),
  }),
});

const PolicyResponseEnum = builder.enumType('PolicyResponse', {
  values: { PASS: { value: 'pass' }, FAIL: { value: 'fail' }, UNKNOWN: { value: '' } } as const,
});

const HostPolicyRef = builder.objectRef<hosts.HostPolicy>('HostPolicy').implement({
  fields: (t) => ({
    policy: t.field({ type: PolicyRef, resolve: (p) => p.policy }),
    response: t.field({ type: PolicyResponseEnum, resolve: (p) => p.response }),
  }),
});

export const HostRef = builder.objectRef<Host>('Host');

HostRef.implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    hostname: t.exposeString('hostname'),
    displayName: t.string({ resolve: (h) => h.computerName || h.hostname }),
    uuid: t.exposeString('uuid'),
    computerName: t.exposeString('computerName'),
    platform: t.exposeString('platform'),
    platformLike: t.exposeString('platformLike'),
    osVersion: t.exposeString('osVersion'),
    build: t.exposeString('build'),
    codeName: t.exposeString('codeName'),
    osqueryVersion: t.exposeString('osqueryVersion'),
    uptimeSeconds: t.float({ resolve: (h) => h.uptime / 1e9 }),
    memory: t.exposeFloat('memory', { description: 'Bytes of physical memory.' }),
    cpuType: t.exposeString('cpuType'),
    cpuSubtype: t.exposeString('cpuSubtype'),
    cpuBrand: t.exposeString('cpuBrand'),
    cpuPhysicalCores: t.exposeInt('cpuPhysicalCores'),
    cpuLogicalCores: t.exposeInt('cpuLogicalCores'),
    hardwareVendor: t.exposeString('hardwareVendor'),
    hardwareModel: t.exposeString('hardwareModel'),
    hardwareVersion: t.exposeString('hardwareVersion'),
    hardwareSerial: t.exposeString('hardwareSerial'),
    primaryIp: t.exposeString('primaryIp'),
    primaryMac: t.exposeString('primaryMac'),
    publicIp: t.exposeString('publicIp'),
    distributedInterval: t.exposeInt('distributedInterval'),
    configTlsRefresh: t.exposeInt('configTlsRefresh'),
    loggerTlsPeriod: t.exposeInt('loggerTlsPeriod'),
    gigsDiskSpaceAvailable: t.exposeFloat('gigsDiskSpaceAvailable'),
    percentDiskSpaceAvailable: t.exposeFloat('percentDiskSpaceAvailable'),
    orbitVersion: t.exposeString('orbitVersion'),
    status: t.field({ type: HostStatusEnum, resolve: (h, _, { domain }) => hostStatus(h, domain.deps.clock()) }),
    isNew: t.boolean({ resolve: (h, _, { domain }) => isNew(h, domain.deps.clock()) }),
    refetchRequested: t.exposeBoolean('refetchRequested'),
    seenTime: t.expose('seenTime', { type: 'DateTime' }),
    lastEnrolledAt: t.expose('lastEnrolledAt', { type: 'DateTime', nullable: true }),
    detailUpdatedAt: t.expose('detailUpdatedAt', { type: 'DateTime', nullable: true }),
    labelUpdatedAt: t.expose('labelUpdatedAt', { type: 'DateTime', nullable: true }),
    policyUpdatedAt: t.expose('policyUpdatedAt', { type: 'DateTime', nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    team: t.field({
      type: TeamRef,
      nullable: true,
      resolve: (h, _, { loaders }) => (h.teamId === null ? null : loaders.team.load(h.teamId)),
    }),
    labels: t.field({
      type: [LabelRef],
      resolve: (h, _, { loaders }) => loaders.hostLabels.load(h.id),
    }),
    packs: t.field({
      type: [PackRef],
      resolve: async (h, _, { loaders }) => present(await loaders.pack.loadMany(await loaders.hostPackIds.load(h))),
    }),
    policies: t.field({ type: [HostPolicyRef], resolve: (h, _, { loaders }) => loaders.hostPolicies.load(h) }),
    users: t.field({ type: [HostUserRef], resolve: async (h, _, { loaders }) => (await loaders.hostInventory.load(h.id)).users ?? [] }),
    software: t.field({
      type: [SoftwareRef],
      resolve: async (h, _, { loaders }) => (await loaders.hostInventory.load(h.id)).software ?? [],
    }),
    batteries: t.field({
      type: [BatteryRef],
      resolve: async (h, _, { loaders }) => (await loaders.hostInventory.load(h.id)).batteries ?? [],
    }),
    deviceMapping: t.field({
      type: [DeviceMappingRef],
      resolve: async (h, _, { loaders }) => (await loaders.hostInventory.load(h.id)).deviceMapping ?? [],
    }),
    munki: t.field({ type: MunkiRef, nullable: true, resolve: async (h, _, { loaders }) => (await loaders.hostInventory.load(h.id)).munki }),
    mdm: t.field({ type: MdmRef, nullable: true, resolve: async (h, _, { loaders }) => (await loaders.hostInventory.load(h.id)).mdm }),
  }),
});

builder.queryFields((t) => ({
  hosts: t.connection({
    type: HostRef,
    description: 'Hosts the caller can see, oldest first.',
    args: {
      search: t.arg.string({ description: 'Substring of hostname, computer name, UUID, serial or primary IP.' }),
      status: t.arg({ type: HostStatusEnum }),
      teamId: t.arg.id({ description: 'A team, or 0 for hosts on no team.' }),
      labelId: t.arg.id(),
    },
    resolve: async (_, args, { domain }, info) => {
      let total = 0;
      const fields = hostFieldsRead(info);
      const connection = await resolveOffsetConnection({ args }, async ({ offset, limit }) => {
        const page = await hosts.listHosts(domain, {
          offset,
          limit,
          ...(fields ? { fields } : {}),
          ...(args.search ? { search: args.search } : {}),
          ...(args.status ? { status: args.status } : {}),
          ...(args.teamId != null ? { teamId: String(args.teamId) === '0' ? null : toId(args.teamId) } : {}),
          ...(args.labelId != null ? { labelId: toId(args.labelId) } : {}),
        });
        total = page.total;
        return page.hosts;
      });
      return { ...connection, totalCount: total };
    },
  }),
  host: t.field({
    type: HostRef,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_, { id }, { domain }) => hosts.getHost(domain, toId(id)),
  }),
}));

builder.objectField(LabelRef, 'hosts', (t) =>
  t.field({
    type: [HostRef],
    description: 'Member hosts the caller can see.',
    resolve: async (label, _, { loaders }) => present(await loaders.host.loadMany(await loaders.labelMembers.load(label.id))),
  }),
);
