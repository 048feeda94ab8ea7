import type { GraphQLResolveInfo } from 'graphql';
import { parseResolveInfo, type ResolveTree } from 'graphql-parse-resolve-info';
import type { Host } from '../resolvers/model.js';

/**
 * What a `Host` GraphQL field reads from the host, where that is not the host field of its own
 * name. Fields served by loaders keyed by the host's id read nothing more than `id`, which every
 * read includes. A field missing here whose name is not a stored host field makes the listing
 * read whole hosts, so a field added later is correct before it is fast.
 */
const READS: Record<string, readonly (keyof Host)[]> = {
  __typename: [],
  displayName: ['computerName', 'hostname'],
  uptimeSeconds: ['uptime'],
  status: ['seenTime', 'distributedInterval', 'configTlsRefresh', 'createdAt'],
  isNew: ['createdAt'],
  team: ['teamId'],
  labels: [],
  packs: [],
  policies: ['teamId', 'platform'],
  users: [],
  software: [],
  batteries: [],
  deviceMapping: [],
  munki: [],
  mdm: [],
};

/**
 * The host fields a host connection's selection reads (under `edges.node`), so the
 * listing can read only those columns; undefined when the selection cannot be read.
 */
export function hostFieldsRead(info: GraphQLResolveInfo): ReadonlySet<keyof Host> | undefined {
  const parsed = parseResolveInfo(info);
  if (!parsed || typeof parsed.name !== 'string') return undefined;
  const tree = parsed as ResolveTree;
  const fields = new Set<keyof Host>();
  const children = (node: ResolveTree): ResolveTree[] => Object.values(node.fieldsByTypeName).flatMap((byAlias) => Object.values(byAlias));
  const readHost = (host: ResolveTree) => {
    for (const field of children(host)) {
      for (const read of Object.hasOwn(READS, field.name) ? READS[field.name]! : [field.name as keyof Host]) fields.add(read);
    }
  };
  for (const field of children(tree)) {
    if (field.name === 'edges') for (const edgeField of children(field)) if (edgeField.name === 'node') readHost(edgeField);
  }
  return fields;
}
