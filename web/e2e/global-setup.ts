import { existsSync } from 'node:fs';
import { join } from 'node:path';
import createClient from 'openapi-fetch';
import type { paths } from '../src/api/schema';
import { BASE_URL } from '../playwright.config';
import {
  ACCOUNTS,
  ADMIN,
  DISPLAY_NAMES,
  DEDUCTION_RULE,
  months,
  PASSWORD,
  SECRET_PHONE,
  VILLAGE,
} from './data';

/**
 * Fills the fresh database through the API (typed by the same generated client the app uses):
 * a village with households and villagers, a cadre, a villager and a shopkeeper account, deeds in
 * this month and the last, and both months published, so the board has a latest and an older
 * month, a red list, a black list with reasons and the civilised households.
 */
export default async function globalSetup(): Promise<void> {
  if (!existsSync(join(__dirname, '../../dist/web/index.html'))) {
    throw new Error('dist/web is not built: run `npm run build` (npm run test:browser does)');
  }
  const anon = createClient<paths>({ baseUrl: BASE_URL });
  const must = <T>(r: { data?: T; error?: unknown; response: Response }, what: string): T => {
    if (r.data === undefined) {
      throw new Error(`${what}: ${r.response.status} ${JSON.stringify(r.error)}`);
    }
    return r.data;
  };
  const login = async (username: string, password: string) => {
    const { accessToken } = must(
      await anon.POST('/api/auth/login', { body: { username, password } }),
      `login ${username}`,
    );
    return createClient<paths>({
      baseUrl: BASE_URL,
      headers: { Authorization: `Bearer ${accessToken}` },
    });
  };

  const admin = await login(ADMIN.username, ADMIN.password);
  const village = must(await admin.POST('/api/villages', { body: VILLAGE }), 'village');
  const households = [];
  for (const [no, head] of [
    ['01', '王建国'],
    ['02', '李秀英'],
    ['03', '张伟'],
  ]) {
    households.push(
      must(
        await admin.POST('/api/villages/{villageId}/households', {
          params: { path: { villageId: village.id } },
          body: { householdNo: `SJ-${no}`, headName: head, group: '一组' },
        }),
        'household',
      ),
    );
  }
  // name, household, 与户主关系, birth date: what tells members apart at the counter
  const people: [string, number, '户主' | '女' | '子', string][] = [
    ['王建国', 0, '户主', '1962-03-05'],
    ['王小红', 0, '女', '1995-08-01'],
    ['李秀英', 1, '户主', '1958-11-20'],
    ['李明', 1, '子', '1984-02-14'],
    ['张伟', 2, '户主', '1970-06-30'],
    ['张丽', 2, '女', '2001-09-09'],
  ];
  const villagers = [];
  for (const [i, [name, h, relation, birthDate]] of people.entries()) {
    villagers.push(
      must(
        await admin.POST('/api/villagers', {
          body: {
            villageId: village.id,
            householdId: households[h].id,
            name,
            relation,
            birthDate,
            ...(i === 0 ? { phone: SECRET_PHONE } : {}),
          },
        }),
        'villager',
      ),
    );
  }
  const store = must(
    await admin.POST('/api/stores', { body: { name: '石井村积分超市', villageIds: [village.id] } }),
    'store',
  );
  for (const [role, username, scope] of [
    ['cadre', ACCOUNTS.cadre, { villageId: village.id, displayName: DISPLAY_NAMES.cadre }],
    ['villager', ACCOUNTS.villager, { villagerId: villagers[1].id }],
    [
      'shopkeeper',
      ACCOUNTS.shopkeeper,
      { storeId: store.id, displayName: DISPLAY_NAMES.shopkeeper },
    ],
  ] as const) {
    must(
      await admin.POST('/api/users', {
        body: { username, password: PASSWORD, mustChangePassword: false, role, ...scope },
      }),
      `user ${username}`,
    );
  }

  const cadre = await login(ACCOUNTS.cadre, PASSWORD);
  const rules = must(
    await cadre.GET('/api/rules', { params: { query: { pageSize: 200 } } }),
    'rules',
  ).items;
  const merits = rules.filter((r) => r.points > 0).sort((a, b) => b.points - a.points);
  const deduction = rules.find((r) => r.title === DEDUCTION_RULE);
  if (!deduction || merits.length < 6) throw new Error('the default rule catalogue changed');
  const { current, previous, today } = months();
  for (const [month, day] of [
    [previous, '10'],
    [current, today.slice(8)],
  ]) {
    for (const [i, v] of villagers.entries()) {
      const rule = i === 3 ? deduction : merits[(i + (month === current ? 1 : 0)) % merits.length];
      must(
        await cadre.POST('/api/deeds', {
          body: {
            villagerId: v.id,
            ruleId: rule.id,
            occurredOn: `${month}-${day}`,
            description: `${rule.title}（测试）`,
            evidence: rule.evidenceRequired ? '网格员现场拍照' : undefined,
          },
        }),
        `deed ${v.name} ${month}`,
      );
    }
    must(
      await cadre.POST('/api/villages/{villageId}/evaluations/{month}/publish', {
        params: { path: { villageId: village.id, month } },
      }),
      `publish ${month}`,
    );
  }
}
