import { GraphQLError, Source, type SourceLocation } from 'graphql';
import { DomainError, RateLimitedError } from '../resolvers/errors.js';

/**
 * Yoga's maskError: domain errors keep their message and gain `extensions.code` (plus `invalid`
 * for validation, `retryAfter` for rate limits); anything else is masked and reported.
 */
/**
 * A source and positions that resolve to exactly `locations`. graphql-jit's errors carry their
 * locations but not the AST nodes behind them, and Yoga rebuilds every error it sends from nodes,
 * or from a source and positions, so locations alone would be lost on the way out. The source
 * has only the lines and columns the locations need, so its size stays within the document's.
 */
function sourceFor(locations: readonly SourceLocation[]): { source: Source; positions: number[] } {
  const widths = new Map<number, number>();
  for (const l of locations) widths.set(l.line, Math.max(widths.get(l.line) ?? 0, l.column));
  const lines = Math.max(...widths.keys());
  const starts: number[] = [];
  let body = '';
  for (let line = 1; line <= lines; line++) {
    starts[line] = body.length;
    body += `${' '.repeat(widths.get(line) ?? 0)}\n`;
  }
  return { source: new Source(body), positions: locations.map((l) => starts[l.line]! + l.column - 1) };
}

/** A new error at the same place as `error`. */
function relocated(error: unknown, message: string, extensions: Record<string, unknown>): GraphQLError {
  const from = error instanceof GraphQLError ? error : undefined;
  const where = !from?.nodes && from?.locations?.length ? sourceFor(from.locations) : {};
  return new GraphQLError(message, { nodes: from?.nodes, path: from?.path, extensions, ...where });
}

const REPORT_AGAIN_MS = 60_000;

export function createMaskError(report: (err: unknown) => void) {
  // A subscription result executed once and shared (graphql-shared-events.ts) reaches every
  // subscriber with the same error: report it once, not once per subscriber. An error object
  // that keeps coming back (a cached rejection) is reported again after a minute.
  const reportedAt = new WeakMap<object, number>();
  const reportOnce = (err: unknown) => {
    if (typeof err === 'object' && err !== null) {
      const now = Date.now();
      const last = reportedAt.get(err);
      if (last !== undefined && now - last < REPORT_AGAIN_MS) return;
      reportedAt.set(err, now);
    }
    report(err);
  };
  return (error: unknown, message: string): Error => {
    const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
    const domain = original instanceof DomainError ? original : undefined;
    if (domain) {
      return relocated(error, domain.message, {
        code: domain.code,
        ...(domain.code === 'VALIDATION_FAILED' ? { invalid: domain.invalid } : {}),
        ...(domain instanceof RateLimitedError ? { retryAfter: domain.retryAfterSeconds } : {}),
      });
    }
    if (error instanceof GraphQLError && !(error.originalError && !(error.originalError instanceof GraphQLError))) {
      return error;
    }
    reportOnce(original);
    return relocated(error, message, { code: 'INTERNAL_SERVER_ERROR' });
  };
}
