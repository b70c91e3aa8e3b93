import { api } from '../../api/client';
import { call } from '../../api/errors';

/** Names of the villagers of a screen's list, by id, in one request (up to 100). */
export async function namesOf(ids: number[]): Promise<Map<number, string>> {
  const unique = [...new Set(ids)].slice(0, 100);
  if (!unique.length) return new Map();
  const page = await call(
    api.GET('/api/villagers', {
      params: { query: { ids: unique.join(','), pageSize: unique.length } },
    }),
  );
  return new Map(page.items.map((v) => [v.id, v.name]));
}
