import type { Household, Village } from '../src/villages/village.entity';
import { bearer, TestApp } from './app';
import { twoVillages } from './factories';

/** Correcting a household (户号, 户主, 村民小组) from the roster screen. */
let t: TestApp;
let a: Village;
let b: Village;
let admin: string;
let cadreA: string;
let cadreB: string;
let villager: string;
let home: Household;
let other: Household;

beforeAll(async () => {
  ({ t, admin, a, b, cadreA, cadreB } = await twoVillages());
  home = await t.newHousehold(a.id, { householdNo: '001', headName: '王大山', group: '一组' });
  other = await t.newHousehold(a.id, { householdNo: '002', headName: '李二', group: '一组' });
  const v = await t.newVillager(a.id, { householdId: home.id });
  villager = await t.tokenFor('villager', { villageId: a.id, villagerId: v.id });
});
afterAll(() => t.close());

const path = (villageId = a.id, id = home.id) => `/api/villages/${villageId}/households/${id}`;
const stored = () => t.ds.getRepository('Household').findOneByOrFail({ id: home.id });

describe('PATCH /api/villages/:villageId/households/:id', () => {
  it('401 without a token; 403 for a villager or another village’s cadre; 404 for a household of another village; nothing changes', async () => {
    await t.http().patch(path()).send({ headName: 'x' }).expect(401);
    await t.http().patch(path()).set(bearer(villager)).send({ headName: 'x' }).expect(403);
    await t.http().patch(path()).set(bearer(cadreB)).send({ headName: 'x' }).expect(403);
    await t.http().patch(path(b.id)).set(bearer(cadreB)).send({ headName: 'x' }).expect(404);
    expect(await stored()).toMatchObject({ householdNo: '001', headName: '王大山' });
  });

  it('400 naming the field for bad input; 409 HOUSEHOLD_NO_TAKEN for a number in use', async () => {
    const bad = await t.http().patch(path()).set(bearer(cadreA)).send({ headName: '' }).expect(400);
    expect(JSON.stringify(bad.body.message)).toMatch(/headName/);
    await t.http().patch(path(a.id, 0)).set(bearer(cadreA)).send({ headName: 'x' }).expect(400);
    const taken = await t
      .http()
      .patch(path())
      .set(bearer(cadreA))
      .send({ householdNo: other.householdNo })
      .expect(409);
    expect(taken.body.code).toBe('HOUSEHOLD_NO_TAKEN');
    expect(await stored()).toMatchObject({ householdNo: '001', headName: '王大山' });
  });

  it('changes only what is sent, answers the household and leaves an audit event', async () => {
    const res = await t
      .http()
      .patch(path())
      .set(bearer(cadreA))
      .send({ headName: '王小山', group: '二组' })
      .expect(200);
    expect(res.body).toMatchObject({
      id: home.id,
      householdNo: '001',
      headName: '王小山',
      group: '二组',
    });
    expect(await stored()).toMatchObject({ householdNo: '001', headName: '王小山', group: '二组' });
    const events = await t
      .http()
      .get(`/api/audit?entityType=household&entityId=${home.id}`)
      .set(bearer(admin))
      .expect(200);
    expect(events.body.items[0]).toMatchObject({
      action: 'household.update',
      changes: { headName: ['王大山', '王小山'], group: ['一组', '二组'] },
    });
    // its own number again is no conflict
    await t.http().patch(path()).set(bearer(admin)).send({ householdNo: '001' }).expect(200);
  });
});
