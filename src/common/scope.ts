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
