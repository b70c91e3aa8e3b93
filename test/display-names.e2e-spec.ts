import { todayIn } from '../src/common/time';
import { bearer } from './app';
import { newRule, twoVillages } from './factories';

/**
 * People's names, not logins (docs/product.md, "Accounts"): every answer that carries an account
 * carries `displayName` — the name an admin gave it, else its villager's name, else the username —
 * and the trail names who acted by it.
 */
describe('display names', () => {
  let ctx: Awaited<ReturnType<typeof twoVillages>>;
  beforeAll(async () => {
    ctx = await twoVillages({ name: '石井村' });
  });
  afterAll(() => ctx.t.close());

  const createUser = (body: object) =>
    ctx.t
      .http()
      .post('/api/users')
      .set(bearer(ctx.admin))
      .send({ mustChangePassword: false, ...body });
  const login = (username: string) =>
    ctx.t.http().post('/api/auth/login').send({ username, password: 'A-Long-Pass-1' });

  it('an account created with a name shows it at login, in /api/me and in the accounts list', async () => {
    const created = await createUser({
      username: 'cadre_named',
      displayName: '石建国',
      password: 'A-Long-Pass-1',
      role: 'cadre',
      villageId: ctx.a.id,
    }).expect(201);
    expect(created.body).toMatchObject({ username: 'cadre_named', displayName: '石建国' });
    const session = await login('cadre_named').expect(200);
    expect(session.body.user.displayName).toBe('石建国');
    const me = await ctx.t.http().get('/api/me').set(bearer(session.body.accessToken)).expect(200);
    expect(me.body.displayName).toBe('石建国');
    const list = await ctx.t
      .http()
      .get('/api/users')
      .query({ villageId: ctx.a.id, pageSize: 100 })
      .set(bearer(ctx.admin))
      .expect(200);
    const listed = list.body.items.find((u: { id: number }) => u.id === created.body.id);
    expect(listed.displayName).toBe('石建国');
  });

  it('without a name: a villager account shows the villager, any other its username', async () => {
    const villager = await ctx.t.newVillager(ctx.a.id, { name: '李秋菊' });
    const account = await createUser({
      username: 'villager_li',
      password: 'A-Long-Pass-1',
      role: 'villager',
      villagerId: villager.id,
    }).expect(201);
    expect(account.body.displayName).toBe('李秋菊');
    expect((await login('villager_li').expect(200)).body.user.displayName).toBe('李秋菊');
    const shop = await createUser({
      username: 'admin_two',
      password: 'A-Long-Pass-1',
      role: 'admin',
    }).expect(201);
    expect(shop.body.displayName).toBe('admin_two');
  });

  it('an admin renames an account without ending its sessions; a bad name is 400 naming the field', async () => {
    const created = await createUser({
      username: 'cadre_rename',
      password: 'A-Long-Pass-1',
      role: 'cadre',
      villageId: ctx.a.id,
    }).expect(201);
    const token = (await login('cadre_rename').expect(200)).body.accessToken as string;
    const patch = (body: object) =>
      ctx.t.http().patch(`/api/users/${created.body.id}`).set(bearer(ctx.admin)).send(body);
    for (const displayName of ['', '   ', 'x'.repeat(51), 42, '名\u0000字']) {
      const refused = await patch({ displayName }).expect(400);
      expect(JSON.stringify(refused.body)).toContain('displayName');
    }
    const renamed = await patch({ displayName: '周祖辉' }).expect(200);
    expect(renamed.body.displayName).toBe('周祖辉');
    const me = await ctx.t.http().get('/api/me').set(bearer(token)).expect(200);
    expect(me.body.displayName).toBe('周祖辉');
  });

  it("the points trail names the cadre who recorded a deed by the cadre's name", async () => {
    const created = await createUser({
      username: 'cadre_trail',
      displayName: '王德明',
      password: 'A-Long-Pass-1',
      role: 'cadre',
      villageId: ctx.a.id,
    }).expect(201);
    const token = (await login('cadre_trail').expect(200)).body.accessToken as string;
    const villager = await ctx.t.newVillager(ctx.a.id, { name: '赵小红' });
    const rule = await newRule(ctx.t, { points: 3 });
    await ctx.t
      .http()
      .post('/api/deeds')
      .set(bearer(token))
      .send({
        villagerId: villager.id,
        ruleId: rule.id,
        occurredOn: todayIn('Asia/Shanghai'),
        description: '打扫村道',
      })
      .expect(201);
    const history = await ctx.t
      .http()
      .get(`/api/villagers/${villager.id}/points`)
      .set(bearer(ctx.cadreA))
      .expect(200);
    const [entry] = history.body.entries.items as {
      trail: { actorId: number; actorName: string }[];
    }[];
    expect(entry.trail.map((e) => [e.actorId, e.actorName])).toEqual([[created.body.id, '王德明']]);
  });
});
