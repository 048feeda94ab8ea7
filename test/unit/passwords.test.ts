import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../resolvers/errors.js';
import { checkPasswordPolicy, createBcryptHasher } from '../../resolvers/passwords.js';

const REASON = 'Password must be 12 to 48 characters long and include at least one number and one symbol';

function refusal(password: string): ValidationError {
  try {
    checkPasswordPolicy(password);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    return e as ValidationError;
  }
  throw new Error(`expected ${JSON.stringify(password)} to be refused`);
}

describe('checkPasswordPolicy', () => {
  it.each([
    ['a password of exactly 12 characters', 'abcdefghij1!'],
    ['a password of exactly 48 characters', `${'a'.repeat(46)}1!`],
    ['non-ASCII digits and symbols', 'pässwörd١٢٣€xyz'],
    ['a password with spaces besides its digit and symbol', 'correct horse 1!'],
  ])('accepts %s', (_, password) => {
    expect(() => checkPasswordPolicy(password)).not.toThrow();
  });

  it.each([
    ['shorter than 12 characters', 'abcdefgh1!'],
    ['longer than 48 characters', `${'a'.repeat(47)}1!`],
    ['without a number', 'abcdefghijk!!'],
    ['without a symbol', 'abcdefghijk11'],
    ['whose only non-alphanumeric characters are spaces', 'abcdefghij 1 '],
    ['empty', ''],
  ])('refuses a password %s, naming the field "password"', (_, password) => {
    const e = refusal(password);
    expect(e.invalid).toEqual([{ name: 'password', reason: REASON }]);
    expect(e.message).toBe(`password: ${REASON}`);
    expect(e.httpStatus).toBe(422);
  });

  it('counts characters, not UTF-16 code units', () => {
    // 11 emoji (22 code units) plus a digit: 12 characters, the symbol being the emoji.
    expect(() => checkPasswordPolicy(`${'😀'.repeat(11)}1`)).not.toThrow();
    expect(() => checkPasswordPolicy(`${'😀'.repeat(10)}1`)).toThrow(ValidationError);
  });
});

describe('createBcryptHasher', () => {
  const hasher = createBcryptHasher(4);

  it('verifies a password against its own hash', async () => {
    const hash = await hasher.hash('correct-horse-1!');
    expect(await hasher.verify('correct-horse-1!', hash)).toBe(true);
  });

  it('refuses another password against the hash', async () => {
    const hash = await hasher.hash('correct-horse-1!');
    expect(await hasher.verify('correct-horse-2!', hash)).toBe(false);
  });

  it('produces a bcrypt hash with the configured cost and a fresh salt', async () => {
    const [a, b] = await Promise.all([hasher.hash('same-password-1!'), hasher.hash('same-password-1!')]);
    expect(a).toMatch(/^\$2[aby]\$04\$/);
    expect(a).not.toBe(b);
  });

  it('answers false when there is no hash to verify against', async () => {
    expect(await hasher.verify('correct-horse-1!', undefined)).toBe(false);
    expect(await hasher.verify('no user has this password 1!', undefined)).toBe(false);
  });
});
