import { GraphQLError } from 'graphql';
import { DomainError, RateLimitedError } from '../resolvers/errors.js';

/**
 * Yoga's maskError: domain errors keep their message and gain `extensions.code` (plus `invalid`
 * for validation, `retryAfter` for rate limits); anything else is masked and reported.
 */
export function createMaskError(report: (err: unknown) => void) {
  return (error: unknown, message: string): Error => {
    const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
    const domain = original instanceof DomainError ? original : undefined;
    if (domain) {
      return new GraphQLError(domain.message, {
        nodes: error instanceof GraphQLError ? error.nodes : undefined,
        path: error instanceof GraphQLError ? error.path : undefined,
        extensions: {
          code: domain.code,
          ...(domain.code === 'VALIDATION_FAILED' ? { invalid: domain.invalid } : {}),
          ...(domain instanceof RateLimitedError ? { retryAfter: domain.retryAfterSeconds } : {}),
        },
      });
    }
    if (error instanceof GraphQLError && !(error.originalError && !(error.originalError instanceof GraphQLError))) {
      return error;
    }
    report(original);
    return new GraphQLError(message, {
      nodes: error instanceof GraphQLError ? error.nodes : undefined,
      path: error instanceof GraphQLError ? error.path : undefined,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
  };
}
