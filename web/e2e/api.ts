import { type Page } from '@playwright/test';
import createClient from 'openapi-fetch';
import type { paths } from '../src/api/schema';
import { BASE_URL } from '../playwright.config';
import { ACCOUNTS, ADMIN, PASSWORD, VILLAGE } from './data';

/** The typed API as one of the seeded accounts, for arranging and checking what a journey did. */
export async function apiAs(username: string, password = PASSWORD) {
  const anon = createClient<paths>({ baseUrl: BASE_URL });
  const { data } = await anon.POST('/api/auth/login', { body: { username, password } });
  if (!data) throw new Error(`login ${username} failed`);
  return createClient<paths>({
    baseUrl: BASE_URL,
    headers: { Authorization: `Bearer ${data.accessToken}` },
  });
}

export const asAdmin = () => apiAs(ADMIN.username, ADMIN.password);
export const asCadre = () => apiAs(ACCOUNTS.cadre);
export const asShop = () => apiAs(ACCOUNTS.shopkeeper);

export function must<T>(r: { data?: T; error?: unknown; response: Response }, what: string): T {
  if (r.data === undefined) {
    throw new Error(`${what}: ${r.response.status} ${JSON.stringify(r.error)}`);
  }
  return r.data;
}

/** The seeded village, its households and its store, as the admin sees them. */
export async function seeded() {
  const admin = await asAdmin();
  const village = must(await admin.GET('/api/villages'), 'villages').items.find(
    (v) => v.code === VILLAGE.code,
  )!;
  const households = must(
    await admin.GET('/api/villages/{villageId}/households', {
      params: { path: { villageId: village.id } },
    }),
    'households',
  ).items;
  const store = must(
    await admin.GET('/api/stores', { params: { query: { villageId: village.id } } }),
    'stores',
  ).items[0];
  return { admin, village, households, store };
}

export async function logIn(page: Page, username: string, password = PASSWORD): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录' }).click();
}

/** A villager's balance, as the shopkeeper's counter search reads it. */
export async function balanceOf(name: string): Promise<number> {
  const shop = await asShop();
  const { store } = await seeded();
  const found = must(
    await shop.GET('/api/stores/{id}/villagers', {
      params: { path: { id: store.id }, query: { q: name } },
    }),
    'search',
  ).items.find((v) => v.name === name);
  if (!found) throw new Error(`no villager ${name}`);
  return found.balance;
}
