import type { IncomingMessage, ServerResponse } from 'node:http';
import { BadRequestError, DomainError } from '../resolvers/errors.js';

export const MAX_BODY_BYTES = 16 * 1024 * 1024;

export class PayloadTooLargeError extends DomainError {
  readonly code = 'BAD_REQUEST' as const;
  readonly httpStatus = 413;
  readonly fleetMessage = 'Payload Too Large';
}

/**
 * The whole body. Plain listeners rather than `for await`: every agent check-in reads a body, and
 * the async iterator cost more than the read. The listeners stay until the request is gone; a
 * flag, not removal, keeps them from acting twice.
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  if (Number(req.headers['content-length'] ?? 0) > limit) return Promise.reject(new PayloadTooLargeError(tooLargeMessage(limit)));
  if (req.readableEnded) return Promise.resolve(Buffer.alloc(0));
  if (req.destroyed) return Promise.reject(new Error('request closed before its body was read'));
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    let settled = false;
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size <= limit) parts.push(chunk);
      else {
        // The rest is read and dropped until the 413, sent with `connection: close`, ends the upload.
        settled = true;
        reject(new PayloadTooLargeError(tooLargeMessage(limit)));
      }
    });
    req.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(parts.length === 1 ? parts[0]! : Buffer.concat(parts, size));
    });
    req.on('error', (err) => {
      if (settled) return;
      settled = true;
      reject(err);
    });
    req.on('close', () => {
      if (settled) return;
      settled = true;
      reject(new Error('request closed before its body was read'));
    });
  });
}

const tooLargeMessage = (limit: number) => `request body is larger than ${limit} bytes`;

/** What a route checks its decoded body with: a zod schema, or a hand-written check of the same shape. */
export type BodyCheck<T> = { safeParse(value: unknown): { success: true; data: T } | { success: false } };

/** Fleet decodes before it authenticates: an empty or malformed body is 400 even without a token. */
export function decodeJson<T>(raw: Buffer, schema: BodyCheck<T>): T {
  const text = raw.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // Only a body that does not parse can be empty or blank.
    throw new BadRequestError(text.trim() === '' ? 'Expected JSON Body' : 'json decoder error');
  }
  // Go decodes a top-level `null` into the request struct as a no-op, so Fleet treats it as `{}`.
  const parsed = schema.safeParse(value === null ? {} : value);
  if (!parsed.success) throw new BadRequestError('json decoder error');
  return parsed.data;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

/** `Authorization: Bearer <token>`: the scheme is case-insensitive and the header has exactly two parts. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const parts = header.trim().split(' ');
  if (parts.length !== 2 || parts[0]!.toLowerCase() !== 'bearer' || parts[1] === '') return undefined;
  return parts[1];
}

export const remoteAddress = (req: IncomingMessage): string => req.socket.remoteAddress ?? 'unknown';

/** The parts of a request target the server routes on. */
export type RequestTarget = { readonly pathname: string; readonly searchParams: URLSearchParams };

/**
 * Absolute paths of unreserved characters, with no empty, `.` or `..` segment and no query, are
 * their own WHATWG pathname, so they skip the URL parser: every agent check-in has one, and the
 * parser was about 4 % of an empty check-in's CPU.
 */
const PLAIN_PATH = /^(?:\/$|(?:\/(?!\.\.?(?:\/|$))[\w.~-]+)+\/?$)/;

class PlainTarget implements RequestTarget {
  #params: URLSearchParams | undefined;
  constructor(readonly pathname: string) {}
  get searchParams(): URLSearchParams {
    return (this.#params ??= new URLSearchParams());
  }
}

/** The request's target; undefined for one no URL parser accepts (e.g. `//`), which is a 400. */
export function requestTarget(req: IncomingMessage): RequestTarget | undefined {
  const raw = req.url ?? '/';
  if (PLAIN_PATH.test(raw)) return new PlainTarget(raw);
  try {
    return new URL(raw, 'http://localhost');
  } catch {
    return undefined;
  }
}
