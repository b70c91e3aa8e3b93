import type { Caller } from './auth.decorators';
import { forbidden } from './errors';

/**
 * The village a caller is bound to, or undefined for an admin (every village). Services put it
 * into their WHERE clauses so a cadre's query cannot reach another village's rows.
 */
export function villageScope(caller: Caller): number | undefined {
  return caller.role === 'admin' ? undefined : (caller.villageId ?? -1);
}

/** Refuses (403) a caller bound to another village than the one named in the request. */
export function assertVillageAccess(caller: Caller, villageId: number): void {
  const scope = villageScope(caller);
  if (scope !== undefined && scope !== villageId) {
    throw forbidden('You may only act on your own village');
  }
}

/**
 * Drops undefined keys from a where-object. TypeORM refuses undefined in a where clause (rightly:
 * it would silently widen the query), so optional filters are passed through this explicitly.
 */
export function defined<T extends object>(where: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(where).filter(([, v]) => v !== undefined)) as never;
}
