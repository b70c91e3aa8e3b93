import createClient from 'openapi-fetch';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type User = Schemas['UserResponseDto'];
export type Role = User['role'];

/**
 * The only way the app talks to the API: typed from web/openapi.json. The session is the
 * httpOnly cookie the login sets, so no token is ever held in JavaScript.
 */
export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });

/** Told of every 401 outside the login routes (session.ts opens the login over the page). */
export const onUnauthorized: { listener: (() => void) | null } = { listener: null };

api.use({
  onResponse({ request, response }) {
    if (response.status === 401 && !new URL(request.url).pathname.startsWith('/api/auth/')) {
      onUnauthorized.listener?.();
    }
    return undefined;
  },
});

/** A ledger entry of GET /api/villagers/{id}/points, with the trail behind it. */
export type PointsEntry =
  paths['/api/villagers/{id}/points']['get']['responses'][200]['content']['application/json']['entries']['items'][number];
