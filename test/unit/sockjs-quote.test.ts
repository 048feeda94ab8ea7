/** SockJS's message escaping, cached: the same text as sockjs's own, for any message, every time. */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { cacheSockjsQuoting } from '../../rest-compat/sockjs-quote.js';

const require = createRequire(import.meta.url);
const utils = require('sockjs/lib/utils.js') as { quote: (text: string) => string };

describe('cacheSockjsQuoting', () => {
  const original = utils.quote;
  cacheSockjsQuoting();
  cacheSockjsQuoting();

  const samples = [
    '{"type":"result","data":{"rows":[{"name":"plain"}]}}',
    'line\u2028separator and \u2029 paragraph',
    'controls \u0000 \u001f and "quotes" \\ back',
    'astral 😀, bidi \u200e\u202e, BOM \ufeff, lone surrogate \ud800',
    '',
  ];

  it('should replace sockjs quote once and escape exactly as sockjs does', () => {
    expect(utils.quote).not.toBe(original);
    for (const text of samples) expect(utils.quote(text)).toBe(original(text));
  });

  it('should give the same escaped text again from its cache, and still after starting over', () => {
    const text = samples[1]!;
    const first = utils.quote(text);
    expect(utils.quote(text)).toBe(first);
    for (let i = 0; i < 1500; i++) utils.quote(`message ${i}`);
    expect(utils.quote(text)).toBe(original(text));
    expect(JSON.parse(utils.quote(text))).toBe(text);
  });
});
