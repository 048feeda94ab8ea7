import { hash, randomBytes } from 'node:crypto';

/** A fresh bearer token: 32 random bytes, base64url. Only its hash is ever stored. */
export const newToken = (): string => randomBytes(32).toString('base64url');

/**
 * Tokens carry 256 bits of entropy, so a fast hash suffices (no dictionary to guess from). The
 * one-shot `hash` runs on every agent check-in: it costs half of a `createHash` object's round trip.
 */
export const hashToken = (token: string): string => hash('sha256', token, 'hex');
