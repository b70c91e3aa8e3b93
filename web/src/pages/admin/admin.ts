import { computed } from 'vue';
import { api } from '../../api/client';
import { call } from '../../api/errors';
import { currentUser } from '../../session';

/** The home the pages an admin and the auditor share lead back to. */
export const backHome = computed(() =>
  currentUser.value?.role === 'auditor'
    ? { to: '/auditor', text: '审计' }
    : { to: '/admin', text: '管理' },
);

/** Every village and store of the district, for the admin's pickers and names (≤ 200 each). */
export async function villagesAndStores() {
  const [villages, stores] = await Promise.all([
    call(api.GET('/api/villages', { params: { query: { pageSize: 200 } } })),
    call(api.GET('/api/stores', { params: { query: { pageSize: 200 } } })),
  ]);
  return { villages: villages.items, stores: stores.items };
}
