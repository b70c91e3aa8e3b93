import { ref } from 'vue';
import { api, onUnauthorized, type Role, type Schemas, type User } from './api/client';
import { call } from './api/errors';

/** Who is signed in (null: nobody), loaded once at start from GET /api/auth/session. */
export const currentUser = ref<User | null>(null);
let loaded: Promise<void> | null = null;

export function loadSession(): Promise<void> {
  loaded ??= api.GET('/api/auth/session').then(({ data }) => {
    currentUser.value = data?.user ?? null;
  });
  return loaded;
}

const villages = new Map<number, Promise<Schemas['Village']>>();

/** The signed-in user's village (a cadre's, a villager's), read once per village. */
export function myVillage(): Promise<Schemas['Village']> {
  const id = currentUser.value!.villageId!;
  if (!villages.has(id)) {
    const p = call(api.GET('/api/villages/{id}', { params: { path: { id } } }));
    p.catch(() => villages.delete(id));
    villages.set(id, p);
  }
  return villages.get(id)!;
}

export const HOME_OF: Record<Role, string> = {
  admin: '/admin',
  cadre: '/cadre',
  shopkeeper: '/shop',
  villager: '/villager',
  auditor: '/auditor',
  town: '/town',
};

export const ROLE_NAME: Record<Role, string> = {
  admin: '区/镇管理员',
  cadre: '村干部',
  shopkeeper: '积分超市',
  villager: '村民',
  auditor: '审计员',
  town: '镇干部',
};

/**
 * Where a signed-in account must go before anything else: the password page at the first login
 * (or after an admin's reset), the security page to set up the second factor its role needs.
 */
export function setupPage(user: User): string | null {
  if (user.mustChangePassword) return '/password';
  if (user.mfaSetupRequired) return '/security';
  return null;
}

/** Where a login lands: a setup step, else the page asked for (`next`), else the role's home. */
export function landingOf(user: User, next: unknown): string {
  const wanted = typeof next === 'string' && next.startsWith('/') && !next.startsWith('//');
  return setupPage(user) ?? (wanted ? (next as string) : HOME_OF[user.role]);
}

/**
 * Set when a request answers 401 while someone is signed in (the session went idle, or ended):
 * App.vue then shows the login over the page, so what was typed stays (ReloginDialog.vue).
 */
export const sessionLost = ref(false);
onUnauthorized.listener = () => {
  if (currentUser.value) sessionLost.value = true;
};

export async function logout(): Promise<void> {
  await api.POST('/api/auth/logout');
  currentUser.value = null;
}

/**
 * A page the browser restores from its back-forward cache keeps the session it had in memory,
 * though the user may have logged out (or in as someone else) since: the back button after
 * logging out showed the old home, whose requests failed. Such a page asks again, and reloads
 * when the answer is another account or none.
 */
export function recheckRestoredPages(): void {
  window.addEventListener('pageshow', (event) => {
    if (!event.persisted) return;
    void api.GET('/api/auth/session').then(({ data }) => {
      if ((data?.user?.id ?? null) !== (currentUser.value?.id ?? null)) window.location.reload();
    });
  });
}
