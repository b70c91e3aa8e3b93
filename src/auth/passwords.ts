import { Algorithm, hash, verify } from '@node-rs/argon2';
import * as bcrypt from 'bcryptjs';

/**
 * argon2id with OWASP's minimum (19 MiB, 2 passes, 1 lane). @node-rs/argon2 runs it on libuv's
 * thread pool, so a login never blocks the event loop the way bcryptjs (pure JavaScript) did.
 * The encoded hash is 97 characters and fits users.password_hash (varchar 100).
 */
const ARGON2 = { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 };

export const hashPassword = (password: string): Promise<string> => hash(password, ARGON2);

/**
 * Checks a password against a stored hash: argon2id, or a bcrypt hash from before the switch,
 * which is accepted once and should then be replaced (`rehash`).
 */
export async function verifyPassword(
  password: string,
  stored: string,
): Promise<{ ok: boolean; rehash: boolean }> {
  if (stored.startsWith('$argon2')) {
    return { ok: await verify(stored, password).catch(() => false), rehash: false };
  }
  if (/^\$2[aby]\$/.test(stored)) {
    return { ok: await bcrypt.compare(password, stored), rehash: true };
  }
  return { ok: false, rehash: false };
}

let dummy: Promise<string> | undefined;
/** Compared against when the username is unknown, so both paths take the same time. */
export const dummyHash = (): Promise<string> => (dummy ??= hashPassword('not-a-real-password'));
