import { api, type Schemas } from '../../api/client';
import { call } from '../../api/errors';
import { currentUser } from '../../session';

/** The signed-in villager's own id. */
export const myId = (): number => currentUser.value!.villagerId!;

/** My village (code for the board), read once per village. */
const villages = new Map<number, Promise<Schemas['Village']>>();
export function myVillage(): Promise<Schemas['Village']> {
  const id = currentUser.value!.villageId!;
  if (!villages.has(id)) {
    const p = call(api.GET('/api/villages/{id}', { params: { path: { id } } }));
    p.catch(() => villages.delete(id));
    villages.set(id, p);
  }
  return villages.get(id)!;
}

export function myPoints(pageSize: number) {
  return call(
    api.GET('/api/villagers/{id}/points', {
      params: { path: { id: myId() }, query: { pageSize } },
    }),
  );
}
