import { AuditEvent } from '../src/audit/audit-event.entity';
import { todayIn } from '../src/common/time';
import { withCheckChar } from '../src/villagers/id-number';
import { bearer } from './app';
import { expectLedgerConsistent, newRule, twoVillages } from './factories';

/**
 * A villager's rights (docs/product.md, "A villager's rights"): a copy of everything held about
 * them, and anonymisation of someone who moved away or died.
 */
describe("a villager's rights", () => {
  let ctx: Awaited<ReturnType<typeof twoVillages>>;
  let villagerId: number;
  let villagerToken: string;
  const ID = withCheckChar('43010219650304123');

  beforeAll(async () => {
    ctx = await twoVillages();
    const created = await ctx.t
      .http()
      .post('/api/villagers')
      .set(bearer(ctx.cadreA))
      .send({ name: '钱多多', idNumber: ID, phone: '13900000000' })
      .expect(201);
    villagerId = created.body.id;
    villagerToken = await ctx.t.tokenFor('villager', { villageId: ctx.a.id, villagerId });
    const rule = await newRule(ctx.t, { points: 8 });
    await ctx.t
      .http()
      .post('/api/deeds')
      .set(bearer(ctx.cadreA))
      .send({
        villagerId,
        ruleId: rule.id,
        occurredOn: todayIn('Asia/Shanghai'),
        description: '修桥补路',
      })
      .expect(201);
  });
  afterAll(() => ctx.t.close());

  it('a villager downloads everything held about them; a cadre of the village too; nobody else', async () => {
    const mine = await ctx.t.http().get('/api/me/data').set(bearer(villagerToken)).expect(200);
    expect(mine.body.profile).toMatchObject({ id: villagerId, name: '钱多多', balance: 8 });
    expect(mine.body.profile.idNumber).toBe(`${ID.slice(0, 6)}********${ID.slice(-4)}`);
    expect(JSON.stringify(mine.body)).not.toContain(ID);
    expect(mine.body.entries).toHaveLength(1);
    expect(mine.body.deeds.map((d: { description: string }) => d.description)).toEqual([
      '修桥补路',
    ]);
    expect(mine.body).toMatchObject({ redemptions: [], objections: [], activitySignups: [] });
    // the deed's notice is theirs too
    expect(mine.body.notices.map((n: { kind: string }) => n.kind)).toEqual(['deed.recorded']);
    const byCadre = await ctx.t
      .http()
      .get(`/api/villagers/${villagerId}/data`)
      .set(bearer(ctx.cadreA))
      .expect(200);
    expect(byCadre.body.entries).toEqual(mine.body.entries);
    await ctx.t.http().get(`/api/villagers/${villagerId}/data`).set(bearer(ctx.cadreB)).expect(404);
    await ctx.t
      .http()
      .get(`/api/villagers/${villagerId}/data`)
      .set(bearer(villagerToken))
      .expect(403);
    const events = await ctx.t.ds
      .getRepository(AuditEvent)
      .findBy({ action: 'export.download', entityType: 'export' });
    expect(events.some((e) => (e.changes as { kind?: string }).kind === 'personal_data')).toBe(
      true,
    );
  });

  it('an admin anonymises someone who moved away: no name, ID, phone or birth date; accounts closed; the ledger whole', async () => {
    const anonymize = (token: string) =>
      ctx.t.http().post(`/api/villagers/${villagerId}/anonymize`).set(bearer(token));
    const active = await anonymize(ctx.admin).expect(409);
    expect(active.body.code).toBe('VILLAGER_ACTIVE');
    await anonymize(ctx.cadreA).expect(403);
    await ctx.t
      .http()
      .patch(`/api/villagers/${villagerId}`)
      .set(bearer(ctx.cadreA))
      .send({ status: 'moved' })
      .expect(200);
    const done = await anonymize(ctx.admin).expect(200);
    expect(done.body).toMatchObject({
      name: `已匿名村民#${villagerId}`,
      idNumber: null,
      phone: null,
      birthDate: null,
      birthYear: null,
      balance: 8,
    });
    // the account is closed at once
    await ctx.t.http().get('/api/me').set(bearer(villagerToken)).expect(401);
    const [event] = await ctx.t.ds
      .getRepository(AuditEvent)
      .findBy({ action: 'villager.anonymize', entityId: villagerId });
    const text = JSON.stringify(event);
    for (const gone of ['钱多多', ID.slice(-4), '13900000000', '1965'])
      expect(text).not.toContain(gone);
    expect(await expectLedgerConsistent(ctx.t, villagerId)).toBe(8);
  });
});
