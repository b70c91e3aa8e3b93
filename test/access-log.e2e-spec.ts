import { AuditEvent } from '../src/audit/audit-event.entity';
import { User } from '../src/auth/user.entity';
import { hashPassword } from '../src/auth/passwords';
import { bearer } from './app';
import { twoVillages } from './factories';

/**
 * The access log in the audit trail (docs/security.md, "The access log"): logins, failed ones,
 * logouts, password changes and every export, with who, the address and what came of it.
 */
describe('the access log', () => {
  let ctx: Awaited<ReturnType<typeof twoVillages>>;
  let cadre: User;
  beforeAll(async () => {
    ctx = await twoVillages();
    cadre = await ctx.t.ds.getRepository(User).save({
      username: 'log_cadre',
      passwordHash: await hashPassword('A-Long-Pass-1'),
      role: 'cadre',
      villageId: ctx.a.id,
    });
  });
  afterAll(() => ctx.t.close());

  const login = (username: string, password: string) =>
    ctx.t.http().post('/api/auth/login').send({ username, password });
  const latest = async (action: string) =>
    (
      await ctx.t.ds.getRepository(AuditEvent).find({ where: { action }, order: { id: 'DESC' } })
    )[0];

  it('a login, a failed one and an unknown username, with the address and the outcome', async () => {
    const ok = await login('LOG_CADRE', 'A-Long-Pass-1').expect(200);
    expect(await latest('auth.login')).toMatchObject({
      entityType: 'user',
      entityId: cadre.id,
      actorId: cadre.id,
      villageId: ctx.a.id,
      requestId: ok.headers['x-request-id'],
      changes: { username: 'log_cadre', ip: expect.any(String), outcome: 'ok' },
    });
    await login('log_cadre', 'wrong-password').expect(401);
    expect(await latest('auth.login_failed')).toMatchObject({
      entityId: cadre.id,
      changes: { username: 'log_cadre', outcome: 'wrong_password' },
    });
    await login('nobody_here', 'whatever-password').expect(401);
    expect(await latest('auth.login_failed')).toMatchObject({
      entityId: 0,
      actorId: null,
      changes: { username: 'nobody_here', outcome: 'unknown_username' },
    });
  });

  it('a logout and a password change, by the account itself', async () => {
    const token = (await login('log_cadre', 'A-Long-Pass-1').expect(200)).body.accessToken;
    const changed = await ctx.t
      .http()
      .post('/api/me/password')
      .set(bearer(token))
      .send({ currentPassword: 'A-Long-Pass-1', newPassword: 'Another-Long-1' })
      .expect(200);
    expect(await latest('auth.password_changed')).toMatchObject({
      entityId: cadre.id,
      changes: { username: 'log_cadre', outcome: 'ok' },
    });
    await ctx.t.http().post('/api/auth/logout').set(bearer(changed.body.accessToken)).expect(204);
    expect(await latest('auth.logout')).toMatchObject({
      entityId: cadre.id,
      actorId: cadre.id,
      changes: { outcome: 'ok' },
    });
  });

  it('every export, filtered by kind of record; the admin exports the trail itself', async () => {
    await ctx.t
      .http()
      .get(`/api/villages/${ctx.a.id}/exports/roster?format=csv`)
      .set(bearer(ctx.cadreA))
      .expect(200);
    const exports = await ctx.t
      .http()
      .get('/api/audit?entityType=export')
      .set(bearer(ctx.admin))
      .expect(200);
    expect(exports.body.items[0]).toMatchObject({
      action: 'export.download',
      entityType: 'export',
      changes: { kind: 'roster', villageId: ctx.a.id, format: 'csv', outcome: 'ok' },
    });
    const users = await ctx.t
      .http()
      .get('/api/audit?entityType=user&pageSize=100')
      .set(bearer(ctx.admin))
      .expect(200);
    expect(users.body.items.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(['auth.login', 'auth.login_failed', 'auth.logout']),
    );

    const range = `from=${encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString())}&to=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`;
    const csv = await ctx.t
      .http()
      .get(`/api/audit/export?${range}&format=csv`)
      .set(bearer(ctx.admin))
      .expect(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.text).toContain('auth.login_failed');
    expect(csv.text).toContain('nobody_here');
    expect(await latest('export.download')).toMatchObject({ changes: { kind: 'audit' } });
    await ctx.t.http().get(`/api/audit/export?${range}`).set(bearer(ctx.cadreA)).expect(403);
    const missing = await ctx.t
      .http()
      .get('/api/audit/export?to=2026-12-01T00:00:00Z')
      .set(bearer(ctx.admin))
      .expect(400);
    expect(JSON.stringify(missing.body)).toContain('from');
  });
});
