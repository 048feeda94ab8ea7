/**
 * Unexpected errors are masked for clients and reported to the log. A subscription result that is
 * executed once and shared by every subscriber carries the same error to each of them: the log
 * must get it once.
 */
import { GraphQLError } from 'graphql';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMaskError } from '../../schema/errors.js';
import { NotFoundError } from '../../resolvers/errors.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('createMaskError', () => {
  it('should mask an unexpected error for every result that carries it and report it once', () => {
    const reports: unknown[] = [];
    const mask = createMaskError((err) => reports.push(err));
    const disk = new Error('disk on fire');
    for (let i = 0; i < 3; i++) {
      const masked = mask(new GraphQLError('disk on fire', { originalError: disk }), 'Unexpected error.');
      expect(masked.message).toBe('Unexpected error.');
      expect((masked as GraphQLError).extensions.code).toBe('INTERNAL_SERVER_ERROR');
    }
    const other = new Error('other');
    mask(new GraphQLError('other', { originalError: other }), 'Unexpected error.');
    expect(reports).toEqual([disk, other]);
  });

  it('should report an error object that keeps coming back again after a minute', () => {
    vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    const reports: unknown[] = [];
    const mask = createMaskError((err) => reports.push(err));
    const stuck = new Error('cached rejection');
    const again = () => mask(new GraphQLError('x', { originalError: stuck }), 'Unexpected error.');
    again();
    vi.advanceTimersByTime(59_000);
    again();
    expect(reports).toHaveLength(1);
    vi.advanceTimersByTime(2_000);
    again();
    expect(reports).toEqual([stuck, stuck]);
  });

  it('should pass domain errors through with their code and report nothing', () => {
    const reports: unknown[] = [];
    const mask = createMaskError((err) => reports.push(err));
    const masked = mask(new GraphQLError('x', { originalError: new NotFoundError('Host', 7) }), 'Unexpected error.') as GraphQLError;
    expect(masked.extensions.code).toBe('NOT_FOUND');
    expect(reports).toEqual([]);
  });
});
