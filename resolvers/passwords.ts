import bcrypt from 'bcryptjs';
import { ValidationError } from './errors.js';

export type PasswordHasher = {
  hash(password: string): Promise<string>;
  /** With no hash, still spends the same time and answers false (no timing oracle). */
  verify(password: string, hash: string | undefined): Promise<boolean>;
};

/** bcrypt with a configurable cost (12 in production; tests may lower it). */
export function createBcryptHasher(cost = 12): PasswordHasher {
  let dummy: Promise<string> | undefined;
  return {
    hash: (password) => bcrypt.hash(password, cost),
    async verify(password, hash) {
      if (hash !== undefined) return bcrypt.compare(password, hash);
      dummy ??= bcrypt.hash('no user has this password 1!', cost);
      await bcrypt.compare(password, await dummy);
      return false;
    },
  };
}

const HAS_DIGIT = /\p{Nd}/u;
const HAS_SYMBOL = /[^\p{L}\p{Nd}\s]/u;

/** Fleet's policy: 12 to 48 characters, at least one number and one symbol. */
export function checkPasswordPolicy(password: string): void {
  const n = [...password].length;
  if (n < 12 || n > 48 || !HAS_DIGIT.test(password) || !HAS_SYMBOL.test(password)) {
    throw ValidationError.of(
      'password',
      'Password must be 12 to 48 characters long and include at least one number and one symbol',
    );
  }
}
