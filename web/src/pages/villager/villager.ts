import { api } from '../../api/client';
import { call } from '../../api/errors';
import { currentUser } from '../../session';

/** The signed-in villager's own id. */
export const myId = (): number => currentUser.value!.villagerId!;

export function myPoints(pageSize: number) {
  return call(
    api.GET('/api/villagers/{id}/points', {
      params: { path: { id: myId() }, query: { pageSize } },
    }),
  );
}
