import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router';
import type { Role } from './api/client';
import { currentUser, HOME_OF, loadSession, setupPage } from './session';

const EVERY_ROLE: Role[] = ['admin', 'cadre', 'shopkeeper', 'villager', 'auditor', 'town'];

declare module 'vue-router' {
  interface RouteMeta {
    /** Roles allowed; absent: open to anyone (login, board). */
    roles?: Role[];
    title?: string;
  }
}

// Every page is its own chunk: the login screen loads only what it needs.
const routes: RouteRecordRaw[] = [
  { path: '/', redirect: () => (currentUser.value ? HOME_OF[currentUser.value.role] : '/login') },
  {
    path: '/login',
    component: () => import('./pages/public/LoginPage.vue'),
    meta: { title: '登录' },
  },
  {
    path: '/admin',
    component: () => import('./pages/admin/AdminHome.vue'),
    meta: { roles: ['admin'], title: '管理' },
  },
  {
    path: '/cadre',
    component: () => import('./pages/cadre/CadreHome.vue'),
    meta: { roles: ['cadre'], title: '村干部' },
  },
  ...(
    [
      ['/cadre/record/:villagerId(\\d+)', () => import('./pages/cadre/RecordDeed.vue'), '登记事迹'],
      ['/cadre/review', () => import('./pages/cadre/ReviewPage.vue'), '审核申报'],
      ['/cadre/roster', () => import('./pages/cadre/RosterPage.vue'), '花名册'],
      ['/cadre/villagers/:id(\\d+)', () => import('./pages/cadre/VillagerPage.vue'), '村民积分'],
      [
        '/cadre/lists/:month(\\d{4}-\\d{2})?',
        () => import('./pages/cadre/ListsPage.vue'),
        '月度评比',
      ],
    ] as const
  ).map(([path, component, title]) => ({
    path,
    component,
    meta: { roles: ['cadre'] as Role[], title },
  })),
  {
    path: '/cadre/activities',
    component: () => import('./pages/cadre/ActivitiesPage.vue'),
    meta: { roles: ['cadre'], title: '活动' },
  },
  {
    path: '/cadre/activities/:id(\\d+)',
    component: () => import('./pages/cadre/ActivityDesk.vue'),
    meta: { roles: ['cadre'], title: '活动签到与记分' },
  },
  {
    path: '/volunteer-record/:villagerId(\\d+)',
    component: () => import('./pages/villager/VolunteerRecord.vue'),
    meta: { roles: ['villager', 'cadre'], title: '志愿服务记录证明' },
  },
  {
    path: '/cadre/wecom',
    component: () => import('./pages/cadre/WecomGroup.vue'),
    meta: { roles: ['cadre'], title: '企业微信群通知' },
  },
  {
    path: '/cadre/broadcast',
    component: () => import('./pages/cadre/BroadcastPage.vue'),
    meta: { roles: ['cadre'], title: '广播稿' },
  },
  {
    path: '/cadre/import',
    component: () => import('./pages/cadre/RosterImport.vue'),
    meta: { roles: ['cadre'], title: '花名册导入' },
  },
  {
    path: '/cadre/bulk',
    component: () => import('./pages/cadre/BulkAward.vue'),
    meta: { roles: ['cadre'], title: '批量记分' },
  },
  {
    path: '/cadre/board-settings',
    component: () => import('./pages/cadre/BoardSettings.vue'),
    meta: { roles: ['cadre'], title: '网上榜单' },
  },
  {
    path: '/cadre/exports',
    component: () => import('./pages/cadre/CadreExports.vue'),
    meta: { roles: ['cadre'], title: '导出表格' },
  },
  {
    path: '/admin/exports',
    component: () => import('./pages/admin/AdminExports.vue'),
    meta: { roles: ['admin', 'auditor'], title: '数据导出' },
  },
  {
    path: '/auditor',
    component: () => import('./pages/admin/AuditorHome.vue'),
    meta: { roles: ['auditor'], title: '审计' },
  },
  {
    path: '/town',
    component: () => import('./pages/town/TownHome.vue'),
    meta: { roles: ['town'], title: '镇干部' },
  },
  {
    path: '/district',
    component: () => import('./pages/district/DistrictPage.vue'),
    meta: { roles: ['admin', 'auditor', 'town'], title: '运行情况' },
  },
  {
    path: '/district/villages/:villageId(\\d+)/:month(\\d{4}-\\d{2})',
    component: () => import('./pages/district/DistrictVillage.vue'),
    meta: { roles: ['admin', 'auditor', 'town'], title: '村庄运行情况' },
  },
  {
    path: '/shop',
    component: () => import('./pages/shopkeeper/ShopHome.vue'),
    meta: { roles: ['shopkeeper'], title: '积分超市' },
  },
  {
    path: '/shop/goods',
    component: () => import('./pages/shopkeeper/GoodsPage.vue'),
    meta: { roles: ['shopkeeper'], title: '商品与库存' },
  },
  {
    path: '/shop/goods/:id(\\d+)',
    component: () => import('./pages/shopkeeper/GoodsDetail.vue'),
    meta: { roles: ['shopkeeper'], title: '商品详情' },
  },
  {
    path: '/cadre/statements/:month(\\d{4}-\\d{2})?',
    component: () => import('./pages/cadre/StatementsPrint.vue'),
    meta: { roles: ['cadre'], title: '家庭积分对账单' },
  },
  {
    path: '/cadre/visits',
    component: () => import('./pages/cadre/InactiveHouseholds.vue'),
    meta: { roles: ['cadre'], title: '该走访的家庭' },
  },
  {
    path: '/cadre/cards',
    component: () => import('./pages/cards/CardsPrint.vue'),
    meta: { roles: ['cadre'], title: '打印积分卡' },
  },
  {
    path: '/admin/villages',
    component: () => import('./pages/admin/AdminVillages.vue'),
    meta: { roles: ['admin'], title: '村庄与设置' },
  },
  {
    path: '/admin/accounts',
    component: () => import('./pages/admin/AdminAccounts.vue'),
    meta: { roles: ['admin'], title: '账号管理' },
  },
  {
    path: '/admin/rules',
    component: () => import('./pages/admin/AdminRules.vue'),
    meta: { roles: ['admin'], title: '积分细则' },
  },
  {
    path: '/admin/audit',
    component: () => import('./pages/admin/AdminAudit.vue'),
    meta: { roles: ['admin', 'auditor'], title: '操作记录' },
  },
  {
    path: '/admin/points-policy',
    component: () => import('./pages/admin/PointsPolicy.vue'),
    meta: { roles: ['admin', 'auditor'], title: '积分清零' },
  },
  {
    path: '/admin/stores',
    component: () => import('./pages/admin/AdminStores.vue'),
    meta: { roles: ['admin'], title: '积分超市' },
  },
  {
    path: '/villager',
    component: () => import('./pages/villager/VillagerHome.vue'),
    meta: { roles: ['villager'], title: '我的积分' },
  },
  ...(
    [
      ['/villager/history', () => import('./pages/villager/HistoryPage.vue'), '积分记录'],
      ['/villager/report', () => import('./pages/villager/SelfReport.vue'), '申报'],
      ['/villager/objection', () => import('./pages/villager/ObjectionPage.vue'), '异议'],
      ['/villager/household', () => import('./pages/villager/HouseholdPage.vue'), '我家积分'],
      ['/villager/goods', () => import('./pages/villager/GoodsList.vue'), '积分能换什么'],
      ['/villager/activities', () => import('./pages/villager/MyActivities.vue'), '村里的活动'],
      [
        '/activities/:id(\\d+)/checkin',
        () => import('./pages/villager/CheckinPage.vue'),
        '活动签到',
      ],
    ] as const
  ).map(([path, component, title]) => ({
    path,
    component,
    meta: { roles: ['villager'] as Role[], title },
  })),
  {
    path: '/password',
    component: () => import('./pages/account/PasswordPage.vue'),
    meta: { roles: EVERY_ROLE, title: '修改密码' },
  },
  {
    path: '/notices',
    component: () => import('./pages/account/NoticesPage.vue'),
    meta: { roles: EVERY_ROLE, title: '消息' },
  },
  {
    path: '/security',
    component: () => import('./pages/account/SecurityPage.vue'),
    meta: { roles: EVERY_ROLE, title: '账号安全' },
  },
  {
    path: '/town/scores',
    component: () => import('./pages/town/TownScores.vue'),
    meta: { roles: ['town'], title: '村庄积分评比' },
  },
  {
    path: '/board/town/:town/:quarter(\\d{4}-Q[1-4])',
    component: () => import('./pages/public/TownBoard.vue'),
    meta: { title: '村庄文明积分评比' },
  },
  {
    path: '/board/:code/:month(\\d{4}-\\d{2})?',
    component: () => import('./pages/public/BoardPage.vue'),
    meta: { title: '红黑榜' },
  },
  {
    path: '/:rest(.*)*',
    component: () => import('./pages/public/NotFound.vue'),
    meta: { title: '页面不存在' },
  },
];

export const router = createRouter({ history: createWebHistory(), routes });

router.beforeEach(async (to) => {
  // Fetch the page's chunk while the session is asked, not after: one round trip less on 4G.
  for (const record of to.matched) {
    const component = record.components?.default;
    if (typeof component === 'function') void (component as () => Promise<unknown>)();
  }
  // The public board does not depend on who is signed in.
  if (!to.meta.roles && to.path !== '/login' && to.path !== '/') return true;
  await loadSession();
  const user = currentUser.value;
  if (to.path === '/login' && user) return HOME_OF[user.role];
  if (to.meta.roles) {
    if (!user) return { path: '/login', query: { next: to.fullPath } };
    // a new password or the second factor first: the API answers nothing else meanwhile
    const setup = setupPage(user);
    if (setup && to.path !== setup && to.path !== '/password') return setup;
    if (!to.meta.roles.includes(user.role)) return HOME_OF[user.role];
  }
  return true;
});

router.afterEach((to) => {
  document.title = to.meta.title ? `${to.meta.title} · 文明积分` : '文明积分';
});
