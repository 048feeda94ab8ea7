/** fleetctl's multi-document YAML (`apiVersion: v1`, `kind`, `spec`) → a domain SpecGroup. */
import { parseAllDocuments } from 'yaml';
import { z } from 'zod';
import { BadRequestError } from '../resolvers/errors.js';
import type { SpecGroup } from '../resolvers/spec-groups.js';
import { labelSpecWire, packSpecWire, policySpecWire, querySpecWire, teamSpecWire } from './decode.js';

const document = z.object({ apiVersion: z.string().nullish(), kind: z.string(), spec: z.unknown().optional() });
const enrollSecretSpec = z.object({ secrets: z.array(z.object({ secret: z.string() })).nullish() });

function decode<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BadRequestError(`${where}: invalid spec${issue ? ` at ${issue.path.join('.') || 'spec'}: ${issue.message}` : ''}`);
  }
  return parsed.data;
}

export function parseSpecYaml(text: string): SpecGroup {
  const group: SpecGroup = { queries: [], packs: [], labels: [], policies: [], teams: [], enrollSecrets: null };
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) throw new BadRequestError('empty YAML document');
  docs.forEach((doc, i) => {
    const where = `document ${i + 1}`;
    if (doc.errors.length > 0) throw new BadRequestError(`${where}: ${doc.errors[0]!.message.split('\n')[0]!.replace(/:$/, '')}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return;
    const { apiVersion, kind, spec } = decode(document, value, where);
    if (apiVersion && apiVersion !== 'v1') throw new BadRequestError(`${where}: unsupported apiVersion "${apiVersion}"`);
    if (spec === undefined || spec === null) throw new BadRequestError(`${where}: missing spec`);
    switch (kind) {
      case 'query':
      case 'report':
        group.queries.push(decode(querySpecWire, spec, where));
        break;
      case 'pack':
        group.packs.push(decode(packSpecWire, spec, where));
        break;
      case 'label':
        group.labels.push(decode(labelSpecWire, spec, where));
        break;
      case 'policy':
        group.policies.push(decode(policySpecWire, spec, where));
        break;
      case 'team':
      case 'fleet':
        group.teams.push(decode(teamSpecWire, (spec as { team?: unknown }).team ?? spec, where));
        break;
      case 'enroll_secret':
        group.enrollSecrets = (decode(enrollSecretSpec, spec, where).secrets ?? []).map((s) => s.secret);
        break;
      default:
        throw new BadRequestError(`${where}: unknown kind "${kind}"`);
    }
  });
  return group;
}
