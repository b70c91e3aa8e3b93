import { In, type FindOperator } from 'typeorm';
import { DISTRICT_READERS } from '../auth/roles';
import type { Caller } from './auth.decorators';
import { forbidden } from './errors';

/**
 * Who may see and change what (docs/product.md, "Roles"): the one place that answers it. Services
 * put these answers into their WHERE clauses, so a cadre's query cannot reach another village's
 * rows, a shopkeeper's another store's, a villager's another villager's.
 *
 * A caller reads a set of villages, not one id: every village (an admin), or a list (a cadre's or
 * a villager's one village, a town account's villages of its town).
 */
export type Villages = 'all' | readonly number[];

/**
 * Whether the caller reads the whole district: an admin, or the auditor (who only reads: the
 * guard refuses the auditor's writes, src/auth/auth.guard.ts).
 */
export const readsDistrict = (caller: Caller): boolean => DISTRICT_READERS.includes(caller.role);

/** The villages a caller may read. A shopkeeper reads villages through their store, not here. */
export function readableVillages(caller: Caller): Villages {
  if (readsDistrict(caller)) return 'all';
  if (caller.role === 'town') return caller.town?.villageIds ?? [];
  return caller.villageId === null ? [] : [caller.villageId];
}

export function mayAccessVillage(caller: Caller, villageId: number): boolean {
  const villages = readableVillages(caller);
  return villages === 'all' || villages.includes(villageId);
}

/** Refuses (403) a caller bound to other villages than the one named in the request. */
export function assertVillageAccess(caller: Caller, villageId: number): void {
  if (!mayAccessVillage(caller, villageId)) {
    throw forbidden('You may only act on your own village');
  }
}

/**
 * The villages a list reads: the one asked for (403 when the caller may not read it), else every
 * village the caller may read.
 */
export function villagesToList(caller: Caller, asked: number | undefined): Villages {
  if (asked === undefined) return readableVillages(caller);
  assertVillageAccess(caller, asked);
  return [asked];
}

/**
 * A set of villages as the value of a where-object's village column: no condition for every
 * village, the id for one, IN for several, and an id no row has for none.
 */
export function whereVillage(villages: Villages): number | FindOperator<number> | undefined {
  if (villages === 'all') return undefined;
  if (villages.length === 1) return villages[0];
  return villages.length === 0 ? -1 : In(villages);
}

/** The village a record is made in when the request names none: the caller's own, if one. */
export function ownVillage(caller: Caller): number | undefined {
  return readsDistrict(caller) ? undefined : (caller.villageId ?? undefined);
}

/** The villager a caller is limited to (a villager: themselves), or undefined for no limit. */
export function whereVillager(caller: Caller): number | undefined {
  return caller.role === 'villager' ? (caller.villagerId ?? -1) : undefined;
}

/**
 * The store a caller manages: every store (an admin; the auditor reads them all), their own (a
 * shopkeeper), none (others).
 */
export function whereStore(caller: Caller): number | undefined {
  return readsDistrict(caller) ? undefined : (caller.storeId ?? -1);
}

/** Refuses (403) a caller who does not manage that store: an admin or its shopkeeper may. */
export function assertStoreStaff(caller: Caller, storeId: number): void {
  const store = whereStore(caller);
  if (store !== undefined && store !== storeId) {
    throw forbidden('You may only manage your own store');
  }
}

/**
 * Drops undefined keys from a where-object. TypeORM refuses undefined in a where clause (rightly:
 * it would silently widen the query), so optional filters are passed through this explicitly.
 */
export function defined<T extends object>(where: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(where).filter(([, v]) => v !== undefined)) as never;
}
