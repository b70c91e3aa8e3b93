import { api, type Schemas } from '../../api/client';
import { call } from '../../api/errors';
import { currentUser } from '../../session';

let village: Promise<Schemas['Village']> | null = null;

/** The signed-in cadre's village (read once). */
export function cadreVillage(): Promise<Schemas['Village']> {
  village ??= call(
    api.GET('/api/villages/{id}', { params: { path: { id: currentUser.value!.villageId! } } }),
  ).catch((err) => {
    village = null;
    throw err;
  });
  return village;
}

/** Names of a few villagers, by id (one request each: the lists on a screen are short). */
export async function namesOf(ids: number[]): Promise<Map<number, string>> {
  const unique = [...new Set(ids)].slice(0, 30);
  const villagers = await Promise.all(
    unique.map((id) => call(api.GET('/api/villagers/{id}', { params: { path: { id } } }))),
  );
  return new Map(villagers.map((v) => [v.id, v.name]));
}
