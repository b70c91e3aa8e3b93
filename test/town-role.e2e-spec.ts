import { bearer } from './app';
import { newRule, twoVillages } from './factories';

/**
 * 镇干部 (docs/product.md, "Towns and the district"): a town account reads what a cadre reads, for
 * every village of its town and no other, and changes nothing a cadre changes.
 */
let ctx: Awaited<ReturnType<typeof twoVillages>>;
let other: { id: number };
let town: string;
beforeAll(async () => {
  ctx = await twoVillages({ town: '花明楼镇' });
  // b joins a's town; `other` is in another town
  await ctx.t.ds.query(`UPDATE villages SET town = '花明楼镇' WHERE id = ${ctx.b.id}`);
  other = await ctx.t.newVillage({ town: '道林镇' });
  town = await ctx.t.tokenFor('town', { town: '花明楼镇' });
});
afterAll(() => ctx.t.close());

it('an admin creates a town account only for a town that has villages; it is answered with its town', async () => {
  const { t, admin } = ctx;
  const create = (body: object) =>
    t
      .http()
      .post('/api/users')
      .set(bearer(admin))
      .send({
        username: `town_${Math.random().toString(36).slice(2, 8)}`,
        password: 'Xq7#town-pass',
        role: 'town',
        ...body,
      });
  expect((await create({}).expect(400)).body.message).toMatch(/town is required/);
  expect((await create({ town: '没有的镇' }).expect(400)).body.message).toMatch(/^town:/);
  expect(
    (await create({ town: '花明楼镇', villageId: ctx.a.id }).expect(400)).body.message,
  ).toMatch(/villageId does not apply/);
  const made = await create({ town: '花明楼镇' }).expect(201);
  expect(made.body).toMatchObject({ role: 'town', town: '花明楼镇', villageId: null });
  // a cadre carries no town
  const cadre = await t
    .http()
    .post('/api/users')
    .set(bearer(admin))
    .send({
      username: `cadre_${Date.now()}`,
      password: 'Xq7#cadre-pass',
      role: 'cadre',
      villageId: ctx.a.id,
      town: '花明楼镇',
    })
    .expect(400);
  expect(cadre.body.message).toMatch(/town does not apply/);
});

it('reads every village of its town as a cadre would, and no other town’s', async () => {
  const { t, a, b } = ctx;
  const villages = await t.http().get('/api/villages').set(bearer(town)).expect(200);
  expect(villages.body.items.map((v: { id: number }) => v.id).sort()).toEqual([a.id, b.id].sort());

  const v = await t.newVillager(a.id, { name: '李四' });
  const w = await t.newVillager(other.id, { name: '王五' });
  const reads = (villageId: number, villagerId: number) => [
    `/api/villages/${villageId}`,
    `/api/villages/${villageId}/households`,
    `/api/villagers?villageId=${villageId}`,
    `/api/villagers/${villagerId}`,
    `/api/villagers/${villagerId}/points`,
    `/api/deeds?villageId=${villageId}`,
    `/api/villages/${villageId}/evaluations/2026-01`,
    `/api/villages/${villageId}/evaluations/2026-01/objections`,
    `/api/villages/${villageId}/inactive-households`,
    `/api/villages/${villageId}/statements/2026-01`,
    `/api/audit?villageId=${villageId}`,
    `/api/rules?villageId=${villageId}`,
  ];
  // the same answer as the village's own cadre (a month not evaluated is 404 to both)
  for (const path of reads(a.id, v.id)) {
    const res = await t.http().get(path).set(bearer(town));
    const cadre = await t.http().get(path).set(bearer(ctx.cadreA));
    expect([path, res.status, res.body]).toEqual([path, cadre.status, cadre.body]);
    expect([path, [200, 404].includes(res.status)]).toEqual([path, true]);
  }
  for (const path of reads(other.id, w.id)) {
    const res = await t.http().get(path).set(bearer(town));
    expect([path, [403, 404].includes(res.status)]).toEqual([path, true]);
  }
  // lists without a village name only the town's villages
  const deedsOfAll = await t.http().get('/api/villagers').set(bearer(town)).expect(200);
  expect(deedsOfAll.body.items.map((x: { id: number }) => x.id)).toContain(v.id);
  expect(deedsOfAll.body.items.map((x: { id: number }) => x.id)).not.toContain(w.id);
});

it('changes nothing a cadre changes: deeds, villagers, rules, households, settings are 403', async () => {
  const { t, a } = ctx;
  const v = await t.newVillager(a.id);
  const rule = await newRule(t);
  const writes: [string, string, object][] = [
    [
      'post',
      '/api/deeds',
      { villagerId: v.id, ruleId: rule.id, occurredOn: '2026-01-05', description: '记录' },
    ],
    ['post', '/api/villagers', { villageId: a.id, name: '赵六' }],
    ['patch', `/api/villagers/${v.id}`, { name: '赵六' }],
    ['post', '/api/rules', { code: 'TOWN1', category: 'kindness', title: '镇的规则', points: 2 }],
    ['post', `/api/villages/${a.id}/households`, { householdNo: '99', headName: '户主' }],
    ['patch', `/api/villages/${a.id}`, { boardNames: 'full' }],
    ['post', `/api/villages/${a.id}/evaluations/2026-01`, {}],
  ];
  for (const [method, path, body] of writes) {
    const res = await (
      t.http() as unknown as Record<string, (p: string) => import('supertest').Test>
    )
      [method](path)
      .set(bearer(town))
      .send(body);
    expect([method, path, res.status]).toEqual([method, path, 403]);
  }
  const [{ n }] = await t.ds.query(`SELECT COUNT(*) AS n FROM deeds WHERE villager_id = ${v.id}`);
  expect(Number(n)).toBe(0);
});

it('a village moved into the town is read at the next request; one moved out is not', async () => {
  const { t, admin } = ctx;
  const read = () => t.http().get(`/api/villages/${other.id}/households`).set(bearer(town));
  await read().expect(403);
  await t
    .http()
    .patch(`/api/villages/${other.id}`)
    .set(bearer(admin))
    .send({ town: '花明楼镇' })
    .expect(200);
  await read().expect(200);
  await t
    .http()
    .patch(`/api/villages/${other.id}`)
    .set(bearer(admin))
    .send({ town: '道林镇' })
    .expect(200);
  await read().expect(403);
});
