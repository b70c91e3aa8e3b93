import { VillagerNameInitials1763950000000 } from '../migrations/1763950000000-villager-name-initials';
import { bearer, createTestApp, TestApp } from './app';

type Row = { id: number; name: string };

let t: TestApp;
let villageId: number;
let cadre: string;
beforeAll(async () => {
  t = await createTestApp();
  villageId = (await t.newVillage()).id;
  cadre = await t.tokenFor('cadre', { villageId });
});
afterAll(() => t.close());

const search = async (q: string, token = cadre) =>
  (
    await t
      .http()
      .get(`/api/villagers?q=${encodeURIComponent(q)}`)
      .set(bearer(token))
      .expect(200)
  ).body.items.map((v: Row) => v.name);

const register = async (name: string, householdId?: number) =>
  (await t.http().post('/api/villagers').set(bearer(cadre)).send({ name, householdId }).expect(201))
    .body as Row;

describe('villager search (q): name, pinyin initials, household number', () => {
  it('finds by the start of the pinyin initials, in either case, only in the own village', async () => {
    await register('周祖辉');
    await register('周子豪');
    await register('张志华');
    const other = await t.newVillage();
    await t.newVillager(other.id, { name: '周正和' });
    expect(await search('zzh')).toEqual(['周祖辉', '周子豪', '张志华']);
    expect(await search('ZZH')).toEqual(['周祖辉', '周子豪', '张志华']);
    expect(await search('zzhx')).toEqual([]);
    expect(await search('周z')).toEqual([]);
  });

  it('a polyphonic surname is found by its surname reading and by its everyday one', async () => {
    await register('单雄信');
    expect(await search('sxx')).toEqual(['单雄信']);
    expect(await search('dxx')).toEqual(['单雄信']);
    // Only from the start of a reading: xx is inside, not a start.
    expect(await search('xx')).toEqual([]);
  });

  it('finds every member of a household by its exact number', async () => {
    const hh = await t
      .http()
      .post(`/api/villages/${villageId}/households`)
      .set(bearer(cadre))
      .send({ householdNo: '0815', headName: '石大山' })
      .expect(201);
    await register('石大山', hh.body.id);
    await register('石小河', hh.body.id);
    await register('陈0815');
    expect(await search('0815')).toEqual(['石大山', '石小河', '陈0815']);
    expect(await search('081')).toEqual(['陈0815']);
  });

  it('renaming a villager renames their initials', async () => {
    const v = await register('王五');
    await t.http().patch(`/api/villagers/${v.id}`).set(bearer(cadre)).send({ name: '赵六' });
    expect(await search('ww')).toEqual([]);
    expect(await search('zl')).toEqual(['赵六']);
  });

  it('LIKE wildcards in q are plain text', async () => {
    expect(await search('z%')).toEqual([]);
    expect(await search('_')).toEqual([]);
  });

  it('the migration fills in the initials of villagers registered before it', async () => {
    const migration = new VillagerNameInitials1763950000000();
    const runner = t.ds.createQueryRunner();
    try {
      await migration.down(runner);
      await runner.query(
        `INSERT INTO villagers (village_id, name, status, balance) VALUES (${villageId}, '欧阳修', 'active', 0)`,
      );
      await migration.up(runner);
    } finally {
      await runner.release();
    }
    expect(await search('oyx')).toEqual(['欧阳修']);
  });
});

describe('a screen’s names in one request (ids)', () => {
  it('answers the villagers asked for, in the caller’s village only; odd lists are 400', async () => {
    const a = await register('甲一');
    const b = await register('甲二');
    const stranger = await t.newVillager((await t.newVillage()).id, { name: '外村人' });
    const res = await t
      .http()
      .get(`/api/villagers?ids=${a.id},${b.id},${stranger.id}&pageSize=100`)
      .set(bearer(cadre))
      .expect(200);
    expect(res.body.items.map((v: Row) => v.name).sort()).toEqual(['甲一', '甲二']);
    const repeated = await t
      .http()
      .get(`/api/villagers?ids=${a.id}&ids=${b.id}`)
      .set(bearer(cadre))
      .expect(200);
    expect(repeated.body.total).toBe(2);
    for (const ids of [
      '0x1',
      `${a.id},${a.id}`,
      Array.from({ length: 101 }, (_, i) => i + 1).join(','),
    ]) {
      const bad = await t.http().get(`/api/villagers?ids=${ids}`).set(bearer(cadre)).expect(400);
      expect(JSON.stringify(bad.body.message)).toContain('ids');
    }
  });
});
