/** CSV for spreadsheets (boards and exports): cells that open safely in Excel and WPS. */

/**
 * Text a spreadsheet would read as a formula (=, +, -, @, tab, CR) gets an apostrophe in front:
 * a villager's name typed as "=HYPERLINK(…)" must not become a formula on a cadre's computer.
 */
export function neutralise(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

/** One CSV cell: neutralised, quoted when it holds a comma, quote or line break. */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  const text = typeof value === 'number' ? String(value) : neutralise(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
