/** Fleet's JSON bodies (snake_case) → the domain's spec inputs. Shape errors are 400 "json decoder error". */
import { z } from 'zod';
import type {
  LabelSpecInput,
  PackSpecInput,
  PolicySpecInput,
  QuerySpecInput,
  TeamSpecInput,
} from '../resolvers/spec-inputs.js';

const str = z.string().nullish();
const bool = z.boolean().nullish();
const uint = z.number().int().nonnegative().nullish();
const names = z.array(z.string()).nullish();
const object = z.record(z.string(), z.unknown());

export const querySpecWire = z
  .object({
    name: str,
    description: str,
    query: str,
    observer_can_run: bool,
    platform: str,
    min_osquery_version: str,
    interval: uint,
    automations_enabled: bool,
    logging: str,
  })
  .transform(
    (s): QuerySpecInput => ({
      name: s.name,
      description: s.description,
      query: s.query,
      observerCanRun: s.observer_can_run,
      platform: s.platform,
      minOsqueryVersion: s.min_osquery_version,
      interval: s.interval,
      automationsEnabled: s.automations_enabled,
      logging: s.logging,
    }),
  );

const packQueryWire = z.object({
  query: str,
  name: str,
  description: str,
  interval: uint,
  snapshot: bool,
  removed: bool,
  shard: uint,
  platform: str,
  version: str,
  denylist: bool,
});

export const packSpecWire = z.object({
  name: str,
  description: str,
  platform: str,
  disabled: bool,
  targets: z.object({ labels: names, teams: names }).nullish(),
  queries: z.array(packQueryWire).nullish(),
}) satisfies z.ZodType<PackSpecInput>;

export const labelSpecWire = z
  .object({
    name: str,
    description: str,
    query: str,
    platform: str,
    label_type: z.enum(['regular', 'builtin']).nullish(),
    label_membership_type: z.enum(['dynamic', 'manual']).nullish(),
    hosts: names,
  })
  .transform(
    (s): LabelSpecInput => ({
      name: s.name,
      description: s.description,
      query: s.query,
      platform: s.platform,
      labelType: s.label_type,
      labelMembershipType: s.label_membership_type,
      hosts: s.hosts,
    }),
  );

export const teamSpecWire = z
  .object({
    name: str,
    agent_options: object.nullish(),
    secrets: z.array(z.object({ secret: str })).nullish(),
  })
  .transform((s): TeamSpecInput => ({ name: s.name, agentOptions: s.agent_options, secrets: s.secrets }));

export const policySpecWire = z.object({
  name: str,
  query: str,
  description: str,
  resolution: str,
  team: str,
  platform: str,
}) satisfies z.ZodType<PolicySpecInput>;

export const enrollSecretSpecWire = z.object({
  spec: z.object({ secrets: z.array(z.object({ secret: z.string() })).nullish() }),
});

export const specsBody = <T extends z.ZodType>(spec: T) =>
  z.object({ specs: z.array(spec).nullish() }).transform((b) => (b.specs ?? []) as z.output<T>[]);
