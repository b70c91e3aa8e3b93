import { api, type Schemas } from '../../api/client';
import { call } from '../../api/errors';
import { currentUser } from '../../session';

const villages = new Map<number, Promise<Schemas['Village']>>();

/** The signed-in cadre's village (read once per village). */
export function cadreVillage(): Promise<Schemas['Village']> {
  const id = currentUser.value!.villageId!;
  if (!villages.has(id)) {
    const p = call(api.GET('/api/villages/{id}', { params: { path: { id } } }));
    p.catch(() => villages.delete(id));
    villages.set(id, p);
  }
  return villages.get(id)!;
}

/** Names of a few villagers, by id (one request each: the lists on a screen are short). */
export async function namesOf(ids: number[]): Promise<Map<number, string>> {
  const unique = [...new Set(ids)].slice(0, 30);
  const villagers = await Promise.all(
    unique.map((id) => call(api.GET('/api/villagers/{id}', { params: { path: { id } } }))),
  );
  return new Map(villagers.map((v) => [v.id, v.name]));
}
