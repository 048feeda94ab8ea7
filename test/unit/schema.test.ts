import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printedSchema } from '../../schema/index.js';

describe('schema.graphql', () => {
  it('should equal the printed, sorted schema (run `npm run schema:print` after changing schema/)', () => {
    const committed = readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8');
    expect(printedSchema()).toBe(committed.replace(/\n$/, ''));
  });
});
