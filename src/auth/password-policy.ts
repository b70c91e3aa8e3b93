import { BadRequestException } from '@nestjs/common';
import COMMON_PASSWORDS from './common-passwords.json';
import type { Role } from './user.entity';

/**
 * What a new password must be (docs/security.md, "Passwords"): at least 8 characters; for staff
 * (every role but villager) three of lower case, upper case, digits and symbols; never the
 * username inside it, never one of the common passwords. The list (lower case) is the 6,000 most
 * common passwords of 8 or more characters from zxcvbn-ts (MIT), with the ones Chinese offices
 * use most (admin@123, woaini1314, …) in front.
 */
const COMMON = new Set<string>(COMMON_PASSWORDS);

const CLASSES = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/];

/** Why `password` is refused for this account, or null when it is acceptable. */
export function passwordProblem(password: string, username: string, role: Role): string | null {
  if ([...password].length < 8) return 'must be at least 8 characters';
  if (role !== 'villager' && CLASSES.filter((c) => c.test(password)).length < 3) {
    return 'needs three of: lower case, upper case, digits, symbols';
  }
  const lower = password.toLowerCase();
  if (username.length >= 3 && lower.includes(username.toLowerCase())) {
    return 'must not contain the username';
  }
  if (COMMON.has(lower)) return 'is one of the most common passwords';
  return null;
}

/** 400 naming the field when the password is refused. */
export function assertPasswordAcceptable(
  field: string,
  password: string,
  username: string,
  role: Role,
): void {
  const problem = passwordProblem(password, username, role);
  if (problem) throw new BadRequestException([`${field} ${problem}`]);
}
