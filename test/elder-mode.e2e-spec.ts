import { hashPassword } from '../src/auth/passwords';
import { User } from '../src/auth/user.entity';
import { bearer } from './app';
import { twoVillages } from './factories';

/** 长辈版: the account's choice, else its village's default for villagers, else off. */
let ctx: Awaited<ReturnType<typeof twoVillages>>;
beforeAll(async () => {
  ctx = await twoVillages();
});
afterAll(() => ctx.t.close());

const me = (token: string) => ctx.t.http().get('/api/me').set(bearer(token)).expect(200);
const choose = (token: string, body: object) =>
  ctx.t.http().patch('/api/me').set(bearer(token)).send(body);

it('off by default; an account turns it on for itself, remembered on every device', async () => {
  expect((await me(ctx.cadreA)).body.elderMode).toBe(false);
  const on = await choose(ctx.cadreA, { elderMode: true }).expect(200);
  expect(on.body.elderMode).toBe(true);
  expect((await me(ctx.cadreA)).body.elderMode).toBe(true);
  await choose(ctx.cadreA, { elderMode: false }).expect(200);
  expect((await me(ctx.cadreA)).body.elderMode).toBe(false);
});

it('a village default turns it on for its villagers who have not chosen, at login too', async () => {
  const { t, a } = ctx;
  const grandma = await t.newVillager(a.id, { name: '王奶奶' });
  const young = await t.newVillager(a.id, { name: '王小明' });
  const grandmaToken = await t.tokenFor('villager', { villageId: a.id, villagerId: grandma.id });
  const youngToken = await t.tokenFor('villager', { villageId: a.id, villagerId: young.id });
  await choose(youngToken, { elderMode: false }).expect(200);
  await t
    .http()
    .patch(`/api/villages/${a.id}`)
    .set(bearer(ctx.cadreA))
    .send({ elderModeDefault: true })
    .expect(200);
  expect((await me(grandmaToken)).body.elderMode).toBe(true);
  expect((await me(youngToken)).body.elderMode).toBe(false);
  // the village's cadres are not villagers: their own choice (off)
  expect((await me(ctx.cadreA)).body.elderMode).toBe(false);
  // the login answers it too
  await t.ds
    .getRepository(User)
    .update(
      { villagerId: grandma.id },
      { username: 'grandma_wang', passwordHash: await hashPassword('Grandma-Wang-1') },
    );
  const login = await t
    .http()
    .post('/api/auth/login')
    .send({ username: 'grandma_wang', password: 'Grandma-Wang-1' })
    .expect(200);
  expect(login.body.user.elderMode).toBe(true);
});

it('a value that is not true or false is 400 naming elderMode; another village’s cadre may not set its default', async () => {
  const res = await choose(ctx.cadreA, { elderMode: 'yes' }).expect(400);
  expect(JSON.stringify(res.body.message)).toContain('elderMode');
  await ctx.t
    .http()
    .patch(`/api/villages/${ctx.a.id}`)
    .set(bearer(ctx.cadreB))
    .send({ elderModeDefault: false })
    .expect(403);
});
