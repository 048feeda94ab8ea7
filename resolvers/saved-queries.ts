import { authorize } from './authz.js';
import type { Ctx } from './context.js';
import { BadRequestError, NotFoundError } from './errors.js';
import type { QuerySpec, SavedQuery, SpecApplyResult } from './model.js';
import { lastByName, type QuerySpecInput } from './spec-inputs.js';

const ATTACH = /attach[^\w]+.*[^\w]+as[^\w]+/i;

// Module level, not made per spec: a 10,000-spec apply verifies every one.
const fail = (why: string) => new BadRequestError(`query payload verification: ${why}`);

/** Fleet's check of a query's SQL (no ATTACH … AS), for saved and ad-hoc queries alike. */
export function verifySql(sql: string): void {
  if (ATTACH.test(sql)) throw fail("invalid query's SQL");
}

function verify(s: QuerySpecInput): QuerySpec {
  const name = s.name ?? '';
  const query = s.query ?? '';
  if (name.trim() === '') throw fail('query name cannot be empty');
  if (query.trim() === '') throw fail("query's SQL query cannot be empty");
  verifySql(query);
  return {
    name,
    query,
    description: s.description ?? '',
    observerCanRun: s.observerCanRun ?? false,
    platform: s.platform ?? '',
    minOsqueryVersion: s.minOsqueryVersion ?? '',
    interval: s.interval ?? 0,
    automationsEnabled: s.automationsEnabled ?? false,
    logging: s.logging ?? 'snapshot',
  };
}

/** Validates every spec before anything is written (Fleet's Query.Verify). */
export function prepareQuerySpecs(ctx: Ctx, specs: QuerySpecInput[]): QuerySpec[] {
  authorize(ctx, 'query:write');
  return lastByName(specs.map(verify));
}

export async function applyQuerySpecs(ctx: Ctx, specs: QuerySpecInput[]): Promise<SpecApplyResult> {
  const viewer = authorize(ctx, 'query:write');
  const queries = prepareQuerySpecs(ctx, specs);
  return ctx.deps.store.specs.apply({ queries }, viewer.user.id, ctx.deps.clock());
}

export async function listSavedQueries(ctx: Ctx): Promise<SavedQuery[]> {
  authorize(ctx, 'query:read');
  return ctx.deps.store.savedQueries.list();
}

export async function getSavedQuery(ctx: Ctx, name: string): Promise<SavedQuery> {
  authorize(ctx, 'query:read');
  const found = await ctx.deps.store.savedQueries.byName(name);
  if (!found) throw new NotFoundError('Query', name);
  return found;
}

export async function savedQueriesByIds(ctx: Ctx, ids: readonly number[]): Promise<SavedQuery[]> {
  authorize(ctx, 'query:read');
  return ctx.deps.store.savedQueries.byIds(ids);
}
