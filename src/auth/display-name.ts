import { EntityManager, In } from 'typeorm';
import { Villager } from '../villagers/villager.entity';
import { User } from './user.entity';

/*
 * The name a screen shows for an account (docs/product.md, "Accounts"): the name an admin gave
 * it, else its villager's name, else its login. Never null. Written once for entities (the
 * accounts answered, and by id for the exports, the audit list and the objections) and once as
 * SQL, for the points trail's query.
 */

/** `accounts` with the names they show, in one query for the villagers among them. */
export async function displayNames(em: EntityManager, accounts: User[]): Promise<string[]> {
  const villagerIds = accounts
    .filter((u) => !u.displayName && u.villagerId)
    .map((u) => u.villagerId!);
  const villagers = villagerIds.length
    ? await em.find(Villager, { select: { id: true, name: true }, where: { id: In(villagerIds) } })
    : [];
  const nameOf = new Map(villagers.map((v) => [v.id, v.name]));
  return accounts.map(
    (u) => u.displayName || (u.villagerId && nameOf.get(u.villagerId)) || u.username,
  );
}

/** The names the accounts of these ids show (nulls and repeats ignored), by id. */
export async function displayNamesById(
  em: EntityManager,
  ids: (number | null)[],
): Promise<Map<number, string>> {
  const wanted = [...new Set(ids.filter((id): id is number => id !== null))];
  if (!wanted.length) return new Map();
  const accounts = await em.findBy(User, { id: In(wanted) });
  const names = await displayNames(em, accounts);
  return new Map(accounts.map((u, i) => [u.id, names[i]]));
}

/** The same as an SQL expression over the users row aliased `u`. */
export const DISPLAY_NAME_SQL = (u: string) =>
  `COALESCE(${u}.display_name, (SELECT name FROM villagers WHERE villagers.id = ${u}.villager_id), ${u}.username)`;
