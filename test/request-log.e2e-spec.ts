import { Logger, type LoggerService } from '@nestjs/common';
import { bearer, createTestApp, type TestApp } from './app';

/** The request log (docs/security.md, "Logs"): a line per request, never a card's token. */
let t: TestApp;
const lines: string[] = [];
const capture: LoggerService = {
  log: (message: unknown) => lines.push(JSON.stringify(message)),
  error: () => undefined,
  warn: () => undefined,
};

beforeAll(async () => {
  t = await createTestApp({}, { logRequests: true });
  Logger.overrideLogger(capture);
});
afterAll(() => t.close());

it('a card lookup is logged by its route, not its token, whatever the answer', async () => {
  const village = await t.newVillage();
  const household = await t.newHousehold(village.id);
  const cadre = await t.tokenFor('cadre', { villageId: village.id });
  const card = (
    await t.http().post(`/api/households/${household.id}/card`).set(bearer(cadre)).expect(201)
  ).body.token as string;
  lines.length = 0;
  await t.http().get(`/api/cards/${card}`).set(bearer(cadre)).expect(200);
  await t.http().get(`/api/cards/${card}x`).set(bearer(cadre)).expect(404);
  await t.http().get(`/api/cards/${card}`).expect(401);
  await t.http().get(`/api/households/${household.id}/points`).set(bearer(cadre)).expect(200);
  expect(lines).toHaveLength(4);
  expect(lines.join('\n')).not.toContain(card);
  expect(lines.slice(0, 3).every((l) => l.includes('"path":"/api/cards/:token"'))).toBe(true);
  // other paths are logged as they are
  expect(lines[3]).toContain(`"path":"/api/households/${household.id}/points"`);
});
