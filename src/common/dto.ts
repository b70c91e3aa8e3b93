import { Transform } from 'class-transformer';
import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { buildMessage, IsOptional, IsString, ValidateBy, ValidateIf } from 'class-validator';
import { FIRST_YEAR, isBirthDate, isCalendarDate, isMonth, LAST_YEAR, MONTH_RULE } from './time';

/** Trims surrounding whitespace from a string field before validation. */
export const Trim = () =>
  Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value));

/** Trims and upper-cases (resident IDs end in an upper-case X). */
export const TrimUpper = () =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.trim().toUpperCase() : value,
  );

/** Query-string booleans: "true" / "false". */
export const QueryBool = () =>
  Transform(({ value }: { value: unknown }) =>
    value === 'true' ? true : value === 'false' ? false : value,
  );

/**
 * Absent is fine, null is not. IsOptional lets null through too, and null in a NOT NULL column
 * is a database error (a 500), not a 400. Use IsOptional only where null means "clear it".
 */
export const Optional = () => ValidateIf((_: object, value: unknown) => value !== undefined);

const isControl = (c: number) => (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f;
/** Overrides and isolates of text direction: U+202E turns "exe.txt" into "txt.exe" on screen. */
const DIRECTION_CONTROL = /[\u202A-\u202E\u2066-\u2069]/;
/** A surrogate not paired with its other half: read by code point, it is category Cs. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Why a string is not text a person could have typed, or undefined: a control character other
 * than tab and line breaks (PostgreSQL refuses NUL outright), a text-direction control, or a lone
 * surrogate (not UTF-8 at all: the two databases stored it differently).
 */
export function unsafeText(s: string): string | undefined {
  for (let i = 0; i < s.length; i++) {
    if (isControl(s.charCodeAt(i))) return 'must not contain control characters';
  }
  if (DIRECTION_CONTROL.test(s)) return 'must not contain text-direction controls';
  if (LONE_SURROGATE.test(s)) return 'must be well-formed Unicode text (it holds a lone surrogate)';
  return undefined;
}

/** Objects and arrays a request body may nest (the deepest of ours has 3). */
export const MAX_INPUT_DEPTH = 32;

/**
 * The first problem of a request's body, query or path parameter, as "<path> <reason>", or
 * undefined: unsafe text anywhere (unsafeText), or nesting past MAX_INPUT_DEPTH. Walked with a
 * stack, not recursion: a body nested 20,000 deep is an answer, not a stack overflow.
 */
export function inputProblem(value: unknown, root = ''): string | undefined {
  const stack: [unknown, string, number][] = [[value, root, 0]];
  while (stack.length) {
    const [v, path, depth] = stack.pop()!;
    if (typeof v === 'string') {
      const problem = unsafeText(v);
      if (problem) return `${path || 'value'} ${problem}`;
    } else if (v && typeof v === 'object') {
      if (depth >= MAX_INPUT_DEPTH) {
        return `${path || 'body'} is nested too deeply (at most ${MAX_INPUT_DEPTH} levels)`;
      }
      const entries = Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, inner] = entries[i];
        stack.push([inner, path ? `${path}.${key}` : key, depth + 1]);
      }
    }
  }
  return undefined;
}

const INVISIBLE = /[\s\u200B-\u200D\u2060\uFEFF\u180E]/gu;
/** Something of the text can be seen: it is not only spaces and zero-width characters. */
export const isVisibleText = (s: string) => s.replace(INVISIBLE, '') !== '';

/**
 * A person's name or a title: trimmed, NFC-normalised (one way to write 李 or é, so equal names
 * compare equal), with something visible in it (not only zero-width spaces), of min..max code
 * points.
 */
export const NameText = (min: number, max: number) =>
  applyDecorators(
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' && !LONE_SURROGATE.test(value)
        ? value.trim().normalize('NFC')
        : value,
    ),
    IsString(),
    ValidateBy({
      name: 'visibleText',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && (min === 0 || isVisibleText(value)),
        defaultMessage: buildMessage((each) => `${each}$property must hold visible characters`),
      },
    }),
    CodePointLength(min, max),
  );

/**
 * A string of min..max characters counted as code points, the way PostgreSQL's varchar(n) counts
 * them. class-validator's Length does not count U+FE0E/U+FE0F, so "a\uFE0F" x 30 passed
 * Length(1, 50) and then failed the column as a 500.
 */
export const CodePointLength = (min: number, max: number) =>
  ValidateBy({
    name: 'codePointLength',
    constraints: [min, max],
    validator: {
      validate: (value: unknown) => {
        if (typeof value !== 'string') return false;
        const n = [...value].length;
        return n >= min && n <= max;
      },
      defaultMessage: buildMessage(
        (each) => `${each}$property must be ${min}-${max} characters long`,
      ),
    },
  });

/** An optional text field checked by `valid`, documented with `api`, refused with `rule`. */
const OptionalText = (
  name: string,
  api: ApiPropertyOptions,
  valid: (value: string) => boolean,
  rule: string,
) =>
  applyDecorators(
    IsOptional(),
    ApiPropertyOptional({ type: 'string', ...api }),
    ValidateBy({
      name,
      validator: {
        validate: (value: unknown) => typeof value === 'string' && valid(value),
        defaultMessage: buildMessage((each) => `${each}$property must be ${rule}`),
      },
    }),
  );

/** A month as YYYY-MM within the programme's years (src/common/time.ts), optional. */
export const IsMonthText = () =>
  OptionalText(
    'isMonthText',
    { pattern: '^\\d{4}-(0[1-9]|1[0-2])$', example: '2026-11' },
    isMonth,
    MONTH_RULE,
  );

/** A calendar date as YYYY-MM-DD within the programme's years (src/common/time.ts), optional. */
export const IsDateText = () =>
  OptionalText(
    'isDateText',
    { format: 'date', example: '2026-11-24' },
    (value) => isCalendarDate(value),
    `a date as YYYY-MM-DD from ${FIRST_YEAR} to ${LAST_YEAR}`,
  );

/** A birth date as YYYY-MM-DD, from 1900 up to today, optional. */
export const IsBirthDateText = () =>
  OptionalText(
    'isBirthDateText',
    { format: 'date', example: '1962-03-05' },
    (value) => isBirthDate(value),
    'a date as YYYY-MM-DD from 1900 up to today',
  );
