import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { requestTarget } from '../../rest-compat/http.js';

const target = (url: string) => requestTarget({ url } as IncomingMessage);

const parsed = (url: string): { pathname: string; query: string } | undefined => {
  try {
    const u = new URL(url, 'http://localhost');
    return { pathname: u.pathname, query: u.searchParams.toString() };
  } catch {
    return undefined;
  }
};

const seen = (url: string) => {
  const t = target(url);
  return t && { pathname: t.pathname, query: t.searchParams.toString() };
};

describe('requestTarget', () => {
  it.each([
    '/',
    '/api/osquery/distributed/read',
    '/api/v1/fleet/hosts/',
    '/a/~x-y_z.1',
    '/...',
    '/.a',
    '/a.',
    '/a/./b',
    '/a/../b',
    '/a/..',
    '/a/.',
    '/.',
    '/..',
    '/a//b',
    '//',
    '/%2e/x',
    '/a%2Fb',
    '/a b',
    '/a\\b',
    '/a?b=1&c=%20',
    '/a#frag',
    '',
    'a',
    '/é',
  ])('should give %j the pathname and query the URL parser gives it', (url) => {
    expect(seen(url)).toEqual(parsed(url));
  });

  it('should agree with the URL parser on every short target of tricky characters', () => {
    const chars = ['/', '.', 'a', '~', '-', '_', '%', '2', 'e', '?', '#', '\\', ' ', '='];
    let checked = 0;
    const walk = (prefix: string, depth: number) => {
      expect(seen(prefix), prefix).toEqual(parsed(prefix));
      checked++;
      if (depth > 0) for (const c of chars) walk(prefix + c, depth - 1);
    };
    walk('/', 4);
    expect(checked).toBe(1 + 14 + 14 ** 2 + 14 ** 3 + 14 ** 4);
  });
});
