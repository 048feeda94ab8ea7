import { randomUUID } from 'node:crypto';
import { AgentAuthError, DomainError, RateLimitedError } from '../resolvers/errors.js';

export type FleetErrorBody = { message: string; errors?: { name: string; reason: string }[]; uuid: string };

/** Maps any error to Fleet's status and body; anything unexpected is a generic 500. */
export function encodeError(err: unknown): { status: number; body: FleetErrorBody; headers: Record<string, string> } {
  if (err instanceof DomainError) {
    const headers: Record<string, string> = {};
    if (err instanceof RateLimitedError) headers['retry-after'] = String(err.retryAfterSeconds);
    // The unread rest of an oversized body is not worth draining: close the connection instead.
    if (err.httpStatus === 413) headers.connection = 'close';
    const errors = err.invalid;
    return {
      status: err.httpStatus,
      body: { message: err.fleetMessage, ...(errors.length > 0 ? { errors } : {}), uuid: randomUUID() },
      headers,
    };
  }
  return {
    status: 500,
    body: { message: 'Internal Server Error', errors: [{ name: 'base', reason: 'internal server error' }], uuid: randomUUID() },
    headers: {},
  };
}

export const notFoundBody = (): FleetErrorBody => ({
  message: 'Resource Not Found',
  errors: [{ name: 'base', reason: 'Resource Not Found' }],
  uuid: randomUUID(),
});

export const methodNotAllowedBody = (): FleetErrorBody => ({
  message: 'Method Not Allowed',
  errors: [{ name: 'base', reason: 'Method Not Allowed' }],
  uuid: randomUUID(),
});

/** osquery's error shape; `node_invalid` tells the agent to enroll again. */
export function encodeOsqueryError(err: unknown): { status: number; body: { error: string; node_invalid?: boolean }; headers: Record<string, string> } {
  if (err instanceof AgentAuthError) return { status: 401, body: { error: err.message, node_invalid: true }, headers: {} };
  if (err instanceof DomainError) {
    return { status: err.httpStatus, body: { error: err.message }, headers: err.httpStatus === 413 ? { connection: 'close' } : {} };
  }
  return { status: 500, body: { error: 'internal server error' }, headers: {} };
}
