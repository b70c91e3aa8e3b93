import { Transform } from 'class-transformer';
import { buildMessage, ValidateBy, ValidateIf } from 'class-validator';

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

/**
 * The path of the first string in a request body or query that holds a control character other
 * than tab and line breaks, or undefined. PostgreSQL refuses NUL in text outright, and nothing a
 * person types on a form contains the others.
 */
export function controlCharPath(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') {
    for (let i = 0; i < value.length; i++)
      if (isControl(value.charCodeAt(i))) return path || 'value';
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      const found = controlCharPath(inner, path ? `${path}.${key}` : key);
      if (found) return found;
    }
  }
  return undefined;
}

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
