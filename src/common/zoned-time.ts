/** Instants of local times in the district's time zone, for month boundaries and exported times. */

const formats = new Map<string, Intl.DateTimeFormat>();

function partsFormat(timeZone: string): Intl.DateTimeFormat {
  let f = formats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(timeZone, f);
  }
  return f;
}

function localParts(instant: Date, timeZone: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of partsFormat(timeZone).formatToParts(instant)) {
    if (p.type !== 'literal') out[p.type] = Number(p.value);
  }
  return out;
}

/** How far the zone's wall clock is ahead of UTC at that instant, in ms. */
function offsetAt(instant: Date, timeZone: string): number {
  const p = localParts(instant, timeZone);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall - Math.floor(instant.getTime() / 1000) * 1000;
}

/** The instant a local date (YYYY-MM-DD) begins in the zone. */
export function localMidnight(date: string, timeZone: string): Date {
  const wall = Date.parse(`${date}T00:00:00Z`);
  let at = wall - offsetAt(new Date(wall), timeZone);
  const corrected = wall - offsetAt(new Date(at), timeZone);
  if (corrected !== at) at = corrected;
  return new Date(at);
}

/** The first and the last millisecond of a local date (YYYY-MM-DD) in the zone. */
export function dayInstants(date: string, timeZone: string): [Date, Date] {
  const next = new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  return [localMidnight(date, timeZone), new Date(localMidnight(next, timeZone).getTime() - 1)];
}

/** [from, to) of a month (YYYY-MM) in the zone. */
export function monthInstants(month: string, timeZone: string): { from: Date; to: Date } {
  const [y, m] = month.split('-').map(Number);
  const next = m === 12 ? `${y + 1}-01` : `${y}-${String(m + 1).padStart(2, '0')}`;
  return {
    from: localMidnight(`${month}-01`, timeZone),
    to: localMidnight(`${next}-01`, timeZone),
  };
}

/** 2026-11-24 08:05 in the zone. */
export function localDateTime(instant: Date, timeZone: string): string {
  const p = localParts(instant, timeZone);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${p.year}-${two(p.month)}-${two(p.day)} ${two(p.hour)}:${two(p.minute)}`;
}
