import { ref } from 'vue';
import { api, type Role, type User } from './api/client';

/** Who is signed in (null: nobody), loaded once at start from GET /api/auth/session. */
export const currentUser = ref<User | null>(null);
let loaded: Promise<void> | null = null;

export function loadSession(): Promise<void> {
  loaded ??= api.GET('/api/auth/session').then(({ data }) => {
    currentUser.value = data?.user ?? null;
  });
  return loaded;
}

export const HOME_OF: Record<Role, string> = {
  admin: '/admin',
  cadre: '/cadre',
  shopkeeper: '/shop',
  villager: '/villager',
};

export const ROLE_NAME: Record<Role, string> = {
  admin: '区/镇管理员',
  cadre: '村干部',
  shopkeeper: '积分超市',
  villager: '村民',
};

export async function logout(): Promise<void> {
  await api.POST('/api/auth/logout');
  currentUser.value = null;
}
