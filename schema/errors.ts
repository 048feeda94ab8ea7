import { GraphQLError, Source, type SourceLocation } from 'graphql';
import { DomainError, RateLimitedError } from '../resolvers/errors.js';

/**
 * Yoga's maskError: domain errors keep their message and gain `extensions.code` (plus `invalid`
 * for validation, `retryAfter` for rate limits); anything else is masked and reported.
 */
/**
 * A source and positions that resolve to exactly `locations`. graphql-jit's errors carry their
 * locations but not the AST nodes behind them, and Yoga rebuilds every error it sends from nodes,
 * or from a source and positions, so locations alone would be lost on the way out.
 */
function sourceFor(locations: readonly SourceLocation[]): { source: Source; positions: number[] } {
  const lines = Math.max(...locations.map((l) => l.line));
  const width = Math.max(...locations.map((l) => l.column));
  const line = ' '.repeat(width);
  return {
    source: new Source(Array.from({ length: lines }, () => line).join('\n')),
    positions: locations.map((l) => (l.line - 1) * (width + 1) + (l.column - 1)),
  };
}

/** A new error at the same place as `error`. */
function relocated(error: unknown, message: string, extensions: Record<string, unknown>): GraphQLError {
  const from = error instanceof GraphQLError ? error : undefined;
  const where = !from?.nodes && from?.locations?.length ? sourceFor(from.locations) : {};
  return new GraphQLError(message, { nodes: from?.nodes, path: from?.path, extensions, ...where });
}

export function createMaskError(report: (err: unknown) => void) {
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
    report(original);
    return relocated(error, message, { code: 'INTERNAL_SERVER_ERROR' });
  };
}
