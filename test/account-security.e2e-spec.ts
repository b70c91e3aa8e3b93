import { buildOpenApiDocument } from '../src/openapi';
import { AuditEvent } from '../src/audit/audit-event.entity';
import { Session, User } from '../src/auth/user.entity';
import { UsersService } from '../src/auth/users.service';
import { ADMIN_PASSWORD, bearer, createTestApp, type TestApp } from './app';
import { totp } from './factories';

/**
 * Accounts an assessor signs off (docs/security.md): password rules and the first login's
 * change, server-side sessions (logout, idle timeout, the list of one's devices), the second
 * factor, and the auditor who only reads.
 */
let t: TestApp;
let admin: string;
let villageId: number;

beforeAll(async () => {
  t = await createTestApp();
  admin = await t.adminToken();
  villageId = (await t.newVillage()).id;
});
afterAll(() => t.close());

const login = (username: string, password: string, agent = 'jest') =>
  t.http().post('/api/auth/login').set('User-Agent', agent).send({ username, password });
const createAccount = (body: object) => t.http().post('/api/users').set(bearer(admin)).send(body);
const me = (token: string) => t.http().get('/api/me').set(bearer(token));
const lastEvent = async (action: string) =>
  (await t.ds.getRepository(AuditEvent).find({ where: { action }, order: { id: 'DESC' } }))[0];

describe('passwords', () => {
  it.each([
    ['cadre', 'alllowercase-only', 'three of'],
    ['cadre', 'Admin@123', 'common'],
    ['cadre', 'Aa123456', 'common'],
    ['villager', 'password1', 'common'],
    ['cadre', 'Xx-pw-cadre_pw-9', 'username'],
  ])('a %s with password %s → 400 naming the password (%s)', async (role, password, why) => {
    const res = await createAccount({
      username: 'cadre_pw',
      password,
      role,
      ...(role === 'cadre' ? { villageId } : { villagerId: (await t.newVillager(villageId)).id }),
    }).expect(400);
    expect(JSON.stringify(res.body.message)).toContain('password');
    expect(JSON.stringify(res.body.message)).toContain(why);
  });

  it('a villager needs only 8 characters; staff three kinds of character', async () => {
    const villager = await t.newVillager(villageId);
    await createAccount({
      username: 'villager_plain',
      password: 'qingshan-li',
      role: 'villager',
      villagerId: villager.id,
    }).expect(201);
    await createAccount({
      username: 'cadre_strong',
      password: 'Qingshan-2026',
      role: 'cadre',
      villageId,
    }).expect(201);
  });

  it('a new account changes its password at the first login; until then only its own routes answer', async () => {
    const created = await createAccount({
      username: 'cadre_first',
      password: 'Given-By-Admin-1',
      role: 'cadre',
      villageId,
    }).expect(201);
    expect(created.body.mustChangePassword).toBe(true);
    const first = await login('cadre_first', 'Given-By-Admin-1').expect(200);
    expect(first.body.user.mustChangePassword).toBe(true);
    const token = first.body.accessToken;
    expect((await me(token).expect(200)).body.mustChangePassword).toBe(true);
    const refused = await t
      .http()
      .get(`/api/villagers?villageId=${villageId}`)
      .set(bearer(token))
      .expect(403);
    expect(refused.body).toMatchObject({
      statusCode: 403,
      error: 'Forbidden',
      code: 'PASSWORD_CHANGE_REQUIRED',
    });
    await t.http().get('/api/me/sessions').set(bearer(token)).expect(403);
    // the public routes do not care
    await t.http().get('/api/health').expect(200);
    const weak = await t
      .http()
      .post('/api/me/password')
      .set(bearer(token))
      .send({ currentPassword: 'Given-By-Admin-1', newPassword: 'weakweakweak' })
      .expect(400);
    expect(JSON.stringify(weak.body.message)).toContain('newPassword');
    const changed = await t
      .http()
      .post('/api/me/password')
      .set(bearer(token))
      .send({ currentPassword: 'Given-By-Admin-1', newPassword: 'My-Own-Choice-7' })
      .expect(200);
    expect(changed.body.user.mustChangePassword).toBe(false);
    await t
      .http()
      .get(`/api/villagers?villageId=${villageId}`)
      .set(bearer(changed.body.accessToken))
      .expect(200);
    // an admin's reset asks for a change again, unless told otherwise
    await t
      .http()
      .patch(`/api/users/${created.body.id}`)
      .set(bearer(admin))
      .send({ password: 'Reset-By-Admin-2' })
      .expect(200);
    expect((await login('cadre_first', 'Reset-By-Admin-2').expect(200)).body.user).toMatchObject({
      mustChangePassword: true,
    });
    await t
      .http()
      .patch(`/api/users/${created.body.id}`)
      .set(bearer(admin))
      .send({ password: 'Reset-By-Admin-3', mustChangePassword: false })
      .expect(200);
    expect((await login('cadre_first', 'Reset-By-Admin-3').expect(200)).body.user).toMatchObject({
      mustChangePassword: false,
    });
  });

  it('the first-start admin keeps working without a change', async () => {
    const res = await login('admin', ADMIN_PASSWORD).expect(200);
    expect(res.body.user.mustChangePassword).toBe(false);
    await t.http().get('/api/users').set(bearer(res.body.accessToken)).expect(200);
  });
});

describe('sessions', () => {
  beforeAll(async () => {
    await createAccount({
      username: 'cadre_two_phones',
      password: 'Two-Phones-22',
      mustChangePassword: false,
      role: 'cadre',
      villageId,
    }).expect(201);
  });

  it('logout ends this session’s token at once, and no other', async () => {
    const a = (await login('cadre_two_phones', 'Two-Phones-22').expect(200)).body.accessToken;
    const b = (await login('cadre_two_phones', 'Two-Phones-22').expect(200)).body.accessToken;
    await me(a).expect(200);
    await t.http().post('/api/auth/logout').set(bearer(a)).expect(204);
    await me(a).expect(401);
    await me(b).expect(200);
  });

  it('lists my sessions with the device; ends another of mine; another account’s is 404', async () => {
    const phone = (
      await login(
        'cadre_two_phones',
        'Two-Phones-22',
        'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36',
      ).expect(200)
    ).body.accessToken;
    const laptop = (
      await login(
        'cadre_two_phones',
        'Two-Phones-22',
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36',
      ).expect(200)
    ).body.accessToken;
    const list = (await t.http().get('/api/me/sessions').set(bearer(laptop)).expect(200)).body;
    const current = list.items.find((s: { current: boolean }) => s.current);
    expect(current).toMatchObject({ device: 'Chrome · Windows', lastSeenAt: expect.any(String) });
    const android = list.items.find((s: { device: string }) => s.device === 'Chrome · Android');
    expect(android).toMatchObject({ current: false });
    // another account cannot end it
    await t.http().delete(`/api/me/sessions/${android.id}`).set(bearer(admin)).expect(404);
    await me(phone).expect(200);
    await t.http().delete(`/api/me/sessions/${android.id}`).set(bearer(laptop)).expect(204);
    await me(phone).expect(401);
    await me(laptop).expect(200);
    expect(await lastEvent('auth.logout')).toMatchObject({
      changes: { outcome: 'ended_from_another_session', sessionId: android.id },
    });
  });

  it('lastSeenAt is written at most once a minute: a request reads one row and writes none', async () => {
    const token = (await login('cadre_two_phones', 'Two-Phones-22').expect(200)).body.accessToken;
    const sid = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).sid;
    const before = await t.ds.getRepository(Session).findOneByOrFail({ id: sid });
    for (let i = 0; i < 3; i++) await me(token).expect(200);
    const after = await t.ds.getRepository(Session).findOneByOrFail({ id: sid });
    expect(after.lastSeenAt.getTime()).toBe(before.lastSeenAt.getTime());
  });
});

describe('second factor', () => {
  let userId: number;
  let secret: string;
  let recoveryCodes: string[];

  beforeAll(async () => {
    userId = (
      await createAccount({
        username: 'cadre_totp',
        password: 'Totp-Cadre-11',
        mustChangePassword: false,
        role: 'cadre',
        villageId,
      }).expect(201)
    ).body.id;
  });

  it('setup offers a secret; a wrong code is 400; the right one enables it with ten recovery codes', async () => {
    const token = (await login('cadre_totp', 'Totp-Cadre-11').expect(200)).body.accessToken;
    const setup = await t.http().post('/api/me/mfa/setup').set(bearer(token)).expect(200);
    expect(setup.body.otpauthUrl).toMatch(/^otpauth:\/\/totp\/.+secret=[A-Z2-7]+/);
    secret = setup.body.secret;
    const wrong = await t
      .http()
      .post('/api/me/mfa/enable')
      .set(bearer(token))
      .send({ code: totp(secret, 5) })
      .expect(400);
    expect(JSON.stringify(wrong.body.message)).toContain('code');
    const enabled = await t
      .http()
      .post('/api/me/mfa/enable')
      .set(bearer(token))
      .send({ code: totp(secret) })
      .expect(200);
    recoveryCodes = enabled.body.recoveryCodes;
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    expect(await lastEvent('auth.mfa_enabled')).toMatchObject({
      entityId: userId,
      changes: { username: 'cadre_totp', outcome: 'ok' },
    });
    // stored hashed, the secret never in the trail
    const stored = JSON.stringify(await t.ds.query('SELECT code_hash FROM mfa_recovery_codes'));
    for (const code of recoveryCodes) expect(stored).not.toContain(code);
    const trail = JSON.stringify(await t.ds.getRepository(AuditEvent).find());
    expect(trail).not.toContain(secret);
    await t
      .http()
      .post('/api/me/mfa/setup')
      .set(bearer(token))
      .expect(409)
      .expect((res) => expect(res.body.code).toBe('MFA_ENABLED'));
  });

  it('a login asks for the code: no token, no cookie; the mfaToken is not an access token and works once', async () => {
    const first = await login('cadre_totp', 'Totp-Cadre-11').expect(200);
    expect(first.body).toEqual({ mfaRequired: true, mfaToken: expect.any(String) });
    expect(String(first.headers['set-cookie'] ?? '')).not.toContain('cp_session=');
    await me(first.body.mfaToken).expect(401);
    await t
      .http()
      .post('/api/auth/mfa')
      .send({ mfaToken: first.body.mfaToken, code: totp(secret, 5) })
      .expect(401);
    // the enable used this step's code: the next step's is the next one accepted
    const code = totp(secret, 1);
    const ok = await t
      .http()
      .post('/api/auth/mfa')
      .send({ mfaToken: first.body.mfaToken, code })
      .expect(200);
    expect(ok.body.user).toMatchObject({ username: 'cadre_totp', mfaEnabled: true });
    expect(String(ok.headers['set-cookie'])).toContain('cp_session=');
    await me(ok.body.accessToken).expect(200);
    // the token works once; the code too, on a new login
    await t
      .http()
      .post('/api/auth/mfa')
      .send({ mfaToken: first.body.mfaToken, code: recoveryCodes[9] })
      .expect(401);
    const second = await login('cadre_totp', 'Totp-Cadre-11').expect(200);
    await t.http().post('/api/auth/mfa').send({ mfaToken: second.body.mfaToken, code }).expect(401);
  });

  it('a recovery code works once, however it is typed', async () => {
    const mfa = async (code: string) =>
      t
        .http()
        .post('/api/auth/mfa')
        .send({
          mfaToken: (await login('cadre_totp', 'Totp-Cadre-11').expect(200)).body.mfaToken,
          code,
        });
    const typed = recoveryCodes[0].toLowerCase().replace('-', ' ');
    expect((await mfa(typed)).status).toBe(200);
    expect((await mfa(recoveryCodes[0])).status).toBe(401);
  });

  it('repeated wrong codes → 429, as failed logins are limited', async () => {
    // the earlier tests' wrong codes count too: start from none
    await t.ds.query("DELETE FROM login_failures WHERE username LIKE 'mfa:%'");
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const { mfaToken } = (await login('cadre_totp', 'Totp-Cadre-11').expect(200)).body;
      statuses.push(
        (
          await t
            .http()
            .post('/api/auth/mfa')
            .send({ mfaToken, code: `00000${i}` })
        ).status,
      );
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(-1)).toEqual([429]);
    await t.ds.query("DELETE FROM login_failures WHERE username LIKE 'mfa:%'");
  });

  it('an admin resets the factor: the next login has no second step', async () => {
    await t
      .http()
      .patch(`/api/users/${userId}`)
      .set(bearer(admin))
      .send({ resetMfa: true })
      .expect(200)
      .expect((res) => expect(res.body.mfaEnabled).toBe(false));
    const res = await login('cadre_totp', 'Totp-Cadre-11').expect(200);
    expect(res.body.accessToken).toEqual(expect.any(String));
    expect(await t.ds.query('SELECT id FROM mfa_recovery_codes')).toEqual([]);
  });

  it('npm run admin:reset: a new password to change, no factor, enabled, every session ended', async () => {
    const token = (await login('cadre_totp', 'Totp-Cadre-11').expect(200)).body.accessToken;
    await t.ds.getRepository(User).update({ id: userId }, { disabled: true });
    const password = await t.app.get(UsersService).resetFromShell('CADRE_TOTP');
    await me(token).expect(401);
    const res = await login('cadre_totp', password).expect(200);
    expect(res.body.user).toMatchObject({ mustChangePassword: true, disabled: false });
    expect(await lastEvent('user.update')).toMatchObject({
      entityId: userId,
      reason: 'npm run admin:reset (server shell)',
    });
  });
});

describe('the auditor', () => {
  let auditor: string;

  beforeAll(async () => {
    await createAccount({
      username: 'auditor_zhou',
      password: 'Auditor-Zhou-1',
      mustChangePassword: false,
      role: 'auditor',
    }).expect(201);
    auditor = (await login('auditor_zhou', 'Auditor-Zhou-1').expect(200)).body.accessToken;
  });

  it('only an admin creates one', async () => {
    const cadre = await t.tokenFor('cadre', { villageId });
    await t
      .http()
      .post('/api/users')
      .set(bearer(cadre))
      .send({ username: 'auditor_x', password: 'Auditor-X-11', role: 'auditor' })
      .expect(403);
  });

  it('reads what an admin reads: the trail, its export, accounts, villages, district exports', async () => {
    for (const path of [
      '/api/audit',
      '/api/audit?entityType=user',
      `/api/audit/export?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z&format=csv`,
      '/api/users',
      '/api/villages',
      `/api/villages/${villageId}`,
      `/api/villagers?villageId=${villageId}`,
      '/api/exports/roster?format=csv',
      '/api/stores',
      '/api/metrics',
    ]) {
      const res = await t.http().get(path).set(bearer(auditor));
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
    }
  });

  it('every write route in the OpenAPI document answers 403, but the auditor’s own account', async () => {
    const own = [
      'post /api/auth/mfa',
      'post /api/me/password',
      'post /api/me/mfa/setup',
      'post /api/me/mfa/enable',
      'delete /api/me/sessions/{id}',
      'patch /api/me',
      'post /api/me/notices/read',
    ];
    // public routes and logout answer without a session: not the auditor's to be refused
    const open = ['post /api/auth/login', 'post /api/auth/logout'];
    const doc = buildOpenApiDocument(t.app);
    let refused = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const method of Object.keys(ops)) {
        if (method === 'get' || open.includes(`${method} ${path}`)) continue;
        const url = path.replace(/\{[^}]+\}/g, '1');
        const res = await t
          .http()
          [method as 'post' | 'patch' | 'put' | 'delete'](url)
          .set(bearer(auditor))
          .send({});
        const where = `${method} ${path}`;
        if (own.includes(where)) {
          expect({ where, status: res.status }).not.toEqual({ where, status: 403 });
        } else {
          expect({ where, status: res.status }).toEqual({ where, status: 403 });
          refused++;
        }
      }
    }
    expect(refused).toBeGreaterThan(30);
    await me(auditor).expect(200);
  });

  it('nobody changes or deletes an audit event: the table refuses it', async () => {
    const [{ id }] = await t.ds.query('SELECT id FROM audit_events ORDER BY id LIMIT 1');
    await expect(
      t.ds.query(`UPDATE audit_events SET action = 'x' WHERE id = ${Number(id)}`),
    ).rejects.toThrow(/append-only/);
    await expect(t.ds.query(`DELETE FROM audit_events WHERE id = ${Number(id)}`)).rejects.toThrow(
      /append-only/,
    );
  });
});
