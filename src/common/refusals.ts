/**
 * Every stable code of an answer that is not a success, in one place: services throw them
 * (`refuse`, `tooMany`), the OpenAPI document lists them (the ConflictCode and LimitCode schemas,
 * and ErrorResponse.code), and the web client's generated types make web/src/api/errors.ts hold a
 * sentence for each — a code added here and not there fails the web app's type check.
 */

/** 409: refused by a business rule (docs/product.md). */
export const CONFLICT_CODES = [
  'VILLAGER_NOT_ACTIVE',
  'RULE_INACTIVE',
  'MONTHLY_CAP_REACHED',
  'IDEMPOTENCY_KEY_REUSED',
  'BALANCE_LIMIT',
  'INVALID_TRANSITION',
  'MONTH_PUBLISHED',
  'NOT_IN_PUBLICITY',
  'ALREADY_RESOLVED',
  'ID_NUMBER_TAKEN',
  'HOUSEHOLD_NO_TAKEN',
  'USERNAME_TAKEN',
  'VILLAGE_CODE_TAKEN',
  'RULE_CODE_TAKEN',
  'CANNOT_DISABLE_SELF',
  'CANNOT_DEMOTE_SELF',
  /** A second factor is on already: only an admin's reset removes it. */
  'MFA_ENABLED',
  'INSUFFICIENT_POINTS',
  'OUT_OF_STOCK',
  'PRICE_CHANGED',
  'STOCK_LIMIT',
  'GOODS_INACTIVE',
  'VILLAGE_NOT_SERVED',
  'ALREADY_CANCELLED',
  /** Only a villager who moved away or died is anonymised. */
  'VILLAGER_ACTIVE',
  /** Not thrown: a bulk award's outcome for a villager of another village. */
  'NOT_IN_VILLAGE',
  /** A town's quarterly village scores are past their publicity: they stay as published. */
  'SCORES_FINAL',
  /** The activity has as many participants as its capacity (or the bulk award's limit). */
  'ACTIVITY_FULL',
  /** Check-in outside the activity's window: from an hour before its start to an hour after its end. */
  'CHECKIN_CLOSED',
  /** The activity is closed or cancelled, or over: no more sign-ups. */
  'ACTIVITY_NOT_OPEN',
  /** A unique key of the database, where no rule above caught it first. */
  'DUPLICATE',
] as const;
export type ConflictCode = (typeof CONFLICT_CODES)[number];

/** 429: a limit on how often one account or address may do something (docs/security.md). */
export const LIMIT_CODES = ['LOGIN_THROTTLED', 'TOO_MANY_REPORTS', 'TOO_MANY_OBJECTIONS'] as const;
export type LimitCode = (typeof LIMIT_CODES)[number];

/**
 * 401 and 403 about the session rather than the request (docs/security.md): it went idle, or the
 * account must first change its password or enrol a second factor.
 */
export const ACCESS_CODES = [
  'SESSION_EXPIRED',
  'PASSWORD_CHANGE_REQUIRED',
  'MFA_SETUP_REQUIRED',
] as const;
export type AccessCode = (typeof ACCESS_CODES)[number];

/** 422: a roster import with a problem in a row (the body is the report). */
export const ROSTER_INVALID = 'ROSTER_INVALID';
