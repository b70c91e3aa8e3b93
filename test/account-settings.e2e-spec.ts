import { ADMIN_PASSWORD, bearer, createTestApp, type TestApp } from './app';
import { totp } from './factories';

/**
 * The account settings of a government deployment (docs/government-deployment.md), each on a
 * service of its own. One service at a time: Passport keeps one "jwt" strategy per process, so
 * two services open side by side would share the last one's database.
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('SESSION_IDLE_MINUTES=0.02 (1.2 s)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ SESSION_IDLE_MINUTES: '0.02' });
  });
  afterAll(() => t.close());
  const token = async () =>
    (
      await t
        .http()
        .post('/api/auth/login')
        .send({ username: 'admin', password: ADMIN_PASSWORD })
        .expect(200)
    ).body.accessToken as string;

  it('an idle session answers 401 SESSION_EXPIRED; one in use stays open', async () => {
    const unused = await token();
    const used = await token();
    for (let i = 0; i < 8; i++) {
      await sleep(250);
      await t.http().get('/api/me').set(bearer(used)).expect(200);
    }
    // 2 s since the login: the unused one is past 1.2 s, the used one was seen 250 ms ago
    const res = await t.http().get('/api/me').set(bearer(unused)).expect(401);
    expect(res.body).toMatchObject({ statusCode: 401, code: 'SESSION_EXPIRED' });
    await t.http().get('/api/me').set(bearer(used)).expect(200);
    // and it is gone from the list of my sessions
    const mine = await t.http().get('/api/me/sessions').set(bearer(used)).expect(200);
    expect(mine.body.items).toHaveLength(1);
  });
});

describe('MFA_REQUIRED_ROLES=admin,auditor', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ MFA_REQUIRED_ROLES: 'admin,auditor' });
  });
  afterAll(() => t.close());

  it('an account in such a role without a factor can only enrol; enrolled, it works', async () => {
    const token = (
      await t
        .http()
        .post('/api/auth/login')
        .send({ username: 'admin', password: ADMIN_PASSWORD })
        .expect(200)
    ).body.accessToken;
    const who = await t.http().get('/api/me').set(bearer(token)).expect(200);
    expect(who.body).toMatchObject({ mfaSetupRequired: true, mfaEnabled: false });
    const refused = await t.http().get('/api/users').set(bearer(token)).expect(403);
    expect(refused.body).toMatchObject({ statusCode: 403, code: 'MFA_SETUP_REQUIRED' });
    const { secret } = (await t.http().post('/api/me/mfa/setup').set(bearer(token)).expect(200))
      .body;
    await t
      .http()
      .post('/api/me/mfa/enable')
      .set(bearer(token))
      .send({ code: totp(secret) })
      .expect(200);
    const now = await t.http().get('/api/me').set(bearer(token)).expect(200);
    expect(now.body).toMatchObject({ mfaSetupRequired: false, mfaEnabled: true });
    await t.http().get('/api/users').set(bearer(token)).expect(200);
  });

  it('a cadre is not asked for one', async () => {
    const village = await t.newVillage();
    const cadre = await t.tokenFor('cadre', { villageId: village.id });
    await t.http().get(`/api/villages/${village.id}`).set(bearer(cadre)).expect(200);
  });
});
