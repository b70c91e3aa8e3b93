/** What e2e/global-setup.ts creates, for the tests to use. */
export const ADMIN = { username: 'admin', password: 'e2e-admin-password' };
export const PASSWORD = 'e2e-password-1';
export const ACCOUNTS = {
  cadre: 'e2e_cadre',
  villager: 'e2e_villager',
  shopkeeper: 'e2e_shop',
} as const;
/** The names the cadre's and the shopkeeper's accounts show (the villager's shows the villager's). */
export const DISPLAY_NAMES = { cadre: '石建国', shopkeeper: '曾玉兰' } as const;
export const VILLAGE = { code: 'E2E-SJ', name: '石井村', town: '杉山镇' };
/** A villager's phone: must never appear on the public board. */
export const SECRET_PHONE = '13912345678';
export const DEDUCTION_RULE = '乱倒垃圾、乱排污水';

/** This month and the one before, in Asia/Shanghai. */
export function months(now = new Date()): { current: string; previous: string; today: string } {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(now);
  const [y, m] = today.split('-').map(Number);
  const prev = m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
  return { current: today.slice(0, 7), previous: prev, today };
}
