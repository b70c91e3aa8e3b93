/**
 * `npm run seed:demo`: a small living district in the configured database — two villages with
 * households and villagers, cadre / shopkeeper / villager accounts, a points store with goods,
 * two months of deeds recorded through the same service the API uses, and a card per household.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { DataSource, IsNull } from 'typeorm';
import { AppModule } from '../src/app.module';
import { ActivitiesService } from '../src/activities/activities.service';
import { User } from '../src/auth/user.entity';
import { UsersService } from '../src/auth/users.service';
import type { Caller } from '../src/common/auth.decorators';
import { ctxOf } from '../src/common/request-context';
import { todayIn } from '../src/common/time';
import { loadConfig, refuseInProduction } from '../src/config';
import { Tx } from '../src/db/transaction';
import { HouseholdsService } from '../src/households/households.service';
import { DeedsService } from '../src/deeds/deeds.service';
import { EvaluationsService } from '../src/evaluations/evaluations.service';
import { ObjectionsService } from '../src/evaluations/objections.service';
import { Rule } from '../src/rules/rule.entity';
import { StoresService } from '../src/store/stores.service';
import { withCheckChar } from '../src/villagers/id-number';
import type { Villager } from '../src/villagers/villager.entity';
import { VillagersService } from '../src/villagers/villagers.service';
import { Village } from '../src/villages/village.entity';
import { VillagesService } from '../src/villages/villages.service';

const SURNAMES = ['李', '王', '张', '刘', '陈', '杨', '黄', '赵', '周', '吴', '谭', '曾'];
const GIVEN = [
  '秋菊',
  '建国',
  '春花',
  '志强',
  '桂英',
  '小红',
  '德明',
  '玉兰',
  '海波',
  '秀珍',
  '国庆',
  '丽娟',
];
const PASSWORD = 'Demo-2026';
const pad2 = (n: number) => String(n).padStart(2, '0');

async function main() {
  refuseInProduction('seed:demo'); // demo accounts with a known password
  const config = loadConfig();
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), {
    logger: ['error', 'warn'],
  });
  const ds = app.get(DataSource);
  const tx = app.get(Tx);
  const deeds = app.get(DeedsService);
  if (await ds.getRepository(Village).existsBy({ code: 'DEMO-SJ' })) {
    console.log('The demo district is already seeded.');
    await app.close();
    return;
  }
  const rules = await ds.getRepository(Rule).find({ where: { villageId: IsNull(), active: true } });
  const positive = rules.filter((r) => r.points > 0);
  const negative = rules.filter((r) => r.points < 0);
  const { id } = await ds.getRepository(User).findOneByOrFail({ username: 'admin' });
  const admin: Caller = {
    id,
    username: 'admin',
    role: 'admin',
    villageId: null,
    storeId: null,
    villagerId: null,
  };

  // The roster and the store in one transaction, through the same inner operations the API uses.
  const { villages, villagers, store } = await tx.run(async (em) => {
    const ctx = ctxOf(em, admin);
    const villages = [
      await app
        .get(VillagesService)
        .createIn(ctx, { code: 'DEMO-SJ', name: '石井村', town: '杉山镇' }),
      await app
        .get(VillagesService)
        .createIn(ctx, { code: 'DEMO-SS', name: '杉山村', town: '杉山镇', redListSize: 5 }),
    ];
    const villagers: Villager[] = [];
    let n = 0;
    for (const village of villages) {
      for (let h = 1; h <= 8; h++) {
        const headName = SURNAMES[(h + village.id) % SURNAMES.length] + GIVEN[h % GIVEN.length];
        const household = await app.get(VillagesService).createHouseholdIn(ctx, village.id, {
          householdNo: String(h).padStart(3, '0'),
          headName,
          group: h <= 4 ? '老屋场' : '新屋场',
        });
        for (let m = 0; m < 3; m++) {
          n++;
          const name = m === 0 ? headName : headName[0] + GIVEN[(h * 3 + m) % GIVEN.length];
          villagers.push(
            await app.get(VillagersService).createIn(ctx, {
              villageId: village.id,
              householdId: household.id,
              name,
              idNumber: withCheckChar(
                `4313021980${pad2(1 + (n % 12))}${pad2(1 + (n % 28))}${String(n).padStart(3, '0')}`,
              ),
              phone: `1380000${String(n).padStart(4, '0')}`,
            }),
          );
        }
      }
    }
    const stores = app.get(StoresService);
    const store = await stores.createIn(ctx, {
      name: '杉山镇积分超市',
      villageIds: villages.map((v) => v.id),
    });
    for (const [name, pointsPrice, stock] of [
      ['食用油 5L', 30, 20],
      ['洗衣粉', 10, 50],
      ['大米 10kg', 40, 15],
      ['毛巾', 5, 100],
    ] as const) {
      await stores.createGoodsIn(ctx, store.id, { name, pointsPrice, stock });
    }
    return { villages, villagers, store };
  });

  const users = app.get(UsersService);
  for (const account of [
    { username: 'cadre_sj', displayName: '石建国', role: 'cadre', villageId: villages[0].id },
    { username: 'cadre_ss', displayName: '谭德明', role: 'cadre', villageId: villages[1].id },
    { username: 'shop_ss', displayName: '曾玉兰', role: 'shopkeeper', storeId: store.id },
    { username: 'villager_sj', role: 'villager', villagerId: villagers[0].id },
    { username: 'town_ss', displayName: '杨振华', role: 'town', town: '杉山镇' },
  ] as const) {
    await users.create(admin, { ...account, password: PASSWORD, mustChangePassword: false });
  }

  const cadres = await ds
    .getRepository(User)
    .find({ where: [{ username: 'cadre_sj' }, { username: 'cadre_ss' }] });
  const today = todayIn(config.timeZone);
  const lastMonth = new Date(Date.parse(`${today.slice(0, 7)}-15T00:00:00Z`) - 30 * 86400_000)
    .toISOString()
    .slice(0, 7);
  let recorded = 0;
  for (const [i, v] of villagers.entries()) {
    const cadreUser = cadres.find((c) => c.villageId === v.villageId)!;
    const cadre: Caller = {
      id: cadreUser.id,
      username: cadreUser.username,
      role: 'cadre',
      villageId: v.villageId,
      storeId: null,
      villagerId: null,
    };
    for (const [month, count] of [
      [lastMonth, 1 + (i % 4)],
      [today.slice(0, 7), i % 3],
    ] as const) {
      for (let k = 0; k < count; k++) {
        const day =
          month === today.slice(0, 7)
            ? today.slice(8)
            : String(1 + ((i + k) % 28)).padStart(2, '0');
        const rule =
          i % 7 === 3 && k === 0
            ? negative[i % negative.length]
            : positive[(i + k) % positive.length];
        await deeds
          .create(cadre, {
            villagerId: v.id,
            ruleId: rule.id,
            occurredOn: `${month}-${day}`,
            description: `${rule.title}（演示数据）`,
            evidence: rule.evidenceRequired ? '村民小组长现场查看并记录' : undefined,
          })
          .then(() => recorded++)
          .catch(() => undefined); // a monthly cap reached is fine in demo data
      }
    }
  }
  // Last month's lists published by each village's cadre: the public board has something to show.
  const evaluations = app.get(EvaluationsService);
  for (const village of villages) {
    const cadreUser = cadres.find((c) => c.villageId === village.id)!;
    await evaluations.publish(
      {
        id: cadreUser.id,
        username: cadreUser.username,
        role: 'cadre',
        villageId: village.id,
        storeId: null,
        villagerId: null,
      },
      village.id,
      lastMonth,
    );
  }
  // villager_sj's side: self-reports waiting for cadre_sj (the badge on the cadre's home), one
  // sent back with a reason, and an objection to last month's lists during its publicity.
  const me = villagers[0];
  const villagerUser = await ds.getRepository(User).findOneByOrFail({ username: 'villager_sj' });
  const self: Caller = {
    id: villagerUser.id,
    username: 'villager_sj',
    role: 'villager',
    villageId: me.villageId,
    storeId: null,
    villagerId: me.id,
  };
  const cadreSj = cadres.find((c) => c.villageId === me.villageId)!;
  const reports = [];
  for (const [k, what] of ['帮邻居抢收稻谷', '打扫村口公厕', '捡到手机交村委'].entries()) {
    const rule = positive[(k * 3) % positive.length];
    reports.push(
      await deeds.create(self, {
        ruleId: rule.id,
        occurredOn: today,
        description: `${what}（演示数据）`,
        evidence: rule.evidenceRequired ? '邻居可以作证' : undefined,
      }),
    );
  }
  await deeds.reject(
    {
      id: cadreSj.id,
      username: cadreSj.username,
      role: 'cadre',
      villageId: me.villageId,
      storeId: null,
      villagerId: null,
    },
    reports[2].id,
    '请补充失主姓名或村委收据后再申报',
  );
  await app.get(ObjectionsService).file(self, me.villageId, lastMonth, {
    text: '我上月参加了两次义务劳动，榜上只算了一次（演示数据）',
  });
  // Activities of 石角村: one under way now (villager_sj signed up, others checked in), one
  // tomorrow, one last week closed with its points and hours — the activities screens' three states.
  const activities = app.get(ActivitiesService);
  const cadreSjCaller: Caller = {
    id: cadreSj.id,
    username: cadreSj.username,
    role: 'cadre',
    villageId: me.villageId,
    storeId: null,
    villagerId: null,
  };
  const ruleTitled = (title: string) =>
    positive.find((r) => r.title === title) ?? positive.find((r) => !r.evidenceRequired)!;
  const hoursFromNow = (h: number) => new Date(Date.now() + h * 3600_000).toISOString();
  const plan = [
    ['义务劳动：清理村口河道', '村口石桥', '参加村组志愿服务活动', -0.5, 2.5, 30],
    ['环境整治：房前屋后大扫除', '村委会门口集合', '参加村庄环境集中整治', 24, 27, 50],
    ['志愿服务：陪伴敬老院老人', '镇敬老院', '帮扶孤寡老人、留守儿童', -24 * 6, -24 * 6 + 3, 20],
  ] as const;
  const neighbours = villagers.filter((v) => v.villageId === me.villageId && v.id !== me.id);
  for (const [title, place, rule, from, to, capacity] of plan) {
    const act = await activities.create(cadreSjCaller, me.villageId, {
      title,
      ruleId: ruleTitled(rule).id,
      startsAt: hoursFromNow(from),
      endsAt: hoursFromNow(to),
      place,
      capacity,
    });
    if (from > 0) continue;
    if (to > 0) await activities.signup(self, act.id, {});
    for (const v of neighbours.slice(0, 4)) {
      await activities.checkin(cadreSjCaller, act.id, { villagerId: v.id });
    }
    if (to < 0) {
      await activities.checkin(cadreSjCaller, act.id, { villagerId: me.id });
      await activities.close(cadreSjCaller, act.id);
    }
  }
  // A household card (积分卡) for every household, as a cadre's printed sheet would issue them.
  const sheets = await tx.run(async (em) => {
    const households = app.get(HouseholdsService);
    const out = [];
    for (const village of villages) {
      out.push(await households.issueCardsIn(ctxOf(em, admin), village.id, {}));
    }
    return out;
  });
  await app.close();
  console.log(
    `Seeded ${villages.length} villages, ${villagers.length} villagers, ${recorded} deeds, store #${store.id} with 4 goods; ${lastMonth} published.`,
  );
  console.log(
    `Boards: http://localhost:${process.env.PORT || 3000}/board/${villages[0].code} and /board/${villages[1].code}`,
  );
  console.log('Household cards (scan at the counter, or type the token into its card field):');
  for (const sheet of sheets) {
    for (const card of sheet.cards) {
      console.log(`  ${sheet.villageName} ${card.householdNo}户 ${card.headName}  ${card.token}`);
    }
  }
  console.log('  (a cadre reprints them on A4 at /cadre/cards, which issues fresh ones)');
  console.log(
    `Accounts (password "${PASSWORD}"): cadre_sj (石井村), cadre_ss (杉山村), shop_ss (积分超市), villager_sj (村民, with self-reports for cadre_sj to review and an objection to last month), town_ss (杉山镇: the dashboard and village scores).`,
  );
}

main().catch((err) => {
  console.error(`Seed failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
