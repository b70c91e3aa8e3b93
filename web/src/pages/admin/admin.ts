import { api } from '../../api/client';
import { call } from '../../api/errors';

/** Every village and store of the district, for the admin's pickers and names (≤ 200 each). */
export async function villagesAndStores() {
  const [villages, stores] = await Promise.all([
    call(api.GET('/api/villages', { params: { query: { pageSize: 200 } } })),
    call(api.GET('/api/stores', { params: { query: { pageSize: 200 } } })),
  ]);
  return { villages: villages.items, stores: stores.items };
}
