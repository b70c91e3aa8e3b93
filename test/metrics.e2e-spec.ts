import { todayIn } from '../src/common/time';
import { bearer, createTestApp, isPostgres, TestApp } from './app';
import { newRule } from './factories';

const SCRAPE_TOKEN = 'scrape-token-for-the-tests-0123456789';
const ALLOWED_LABELS = new Set(['method', 'route', 'status', 'le', 'event', 'state', 'pool']);

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp({ METRICS_TOKEN: SCRAPE_TOKEN });
});
afterAll(() => t.close());

const scrape = async () => {
  const res = await t.http().get('/api/metrics').set(bearer(SCRAPE_TOKEN)).expect(200);
  return res.text;
};

/** `name{a="x",b="y"} value` lines → their labels. */
function samples(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!m) throw new Error(`not a sample line: ${line}`);
      const labels: Record<string, string> = {};
      for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
      return { name: m[1], labels, value: Number(m[3]) };
    });
}

const value = (text: string, name: string, labels: Record<string, string>) =>
  samples(text)
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);

describe('GET /api/metrics', () => {
  it('answers 401 without a token or with a wrong one, 403 to anyone but an admin', async () => {
    await t.http().get('/api/metrics').expect(401);
    await t.http().get('/api/metrics').set(bearer('not-the-scrape-token-0123456789')).expect(401);
    await t
      .http()
      .get('/api/metrics')
      .set(bearer(SCRAPE_TOKEN + 'x'))
      .expect(401);
    const village = await t.newVillage();
    for (const token of [
      await t.tokenFor('cadre', { villageId: village.id }),
      await t.tokenFor('shopkeeper'),
      await t.tokenFor('villager', { villageId: village.id }),
    ]) {
      await t.http().get('/api/metrics').set(bearer(token)).expect(403);
    }
  });

  it('is Prometheus text for the scrape token and for an admin', async () => {
    const res = await t
      .http()
      .get('/api/metrics')
      .set(bearer(await t.adminToken()))
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
    expect(res.text).toContain('# TYPE civility_http_request_duration_seconds histogram');
    expect(res.text).toContain('# TYPE civility_process_cpu_seconds_total counter');
    expect(samples(await scrape()).length).toBeGreaterThan(20);
  });

  it('counts requests by route template and status, and the business events', async () => {
    const village = await t.newVillage();
    const cadre = await t.tokenFor('cadre', { villageId: village.id });
    const v = await t.newVillager(village.id, { name: '王秀英', idNumber: '430102199001011234' });
    const rule = await newRule(t, { points: 3 });
    const before = await scrape();

    await t.http().get(`/api/villagers/${v.id}`).set(bearer(cadre)).expect(200);
    await t.http().get('/api/villagers/987654').set(bearer(cadre)).expect(404);
    await t.http().get(`/api/villagers/${v.id}`).expect(401);
    await t
      .http()
      .post('/api/deeds')
      .set(bearer(cadre))
      .send({
        villagerId: v.id,
        ruleId: rule.id,
        occurredOn: todayIn('Asia/Shanghai'),
        description: '打扫村道',
      })
      .expect(201);
    let throttled = 0;
    for (let i = 0; i < 20 && !throttled; i++) {
      const res = await t
        .http()
        .post('/api/auth/login')
        .send({ username: 'wang_xiuying', password: 'secret-guess-1' });
      if (res.status === 429) throttled++;
    }
    expect(throttled).toBe(1);
    await t.http().get('/api/no-such-page/zhang-san').expect(404);

    const after = await scrape();
    const count = (labels: Record<string, string>) =>
      value(after, 'civility_http_request_duration_seconds_count', labels) -
      value(before, 'civility_http_request_duration_seconds_count', labels);
    expect(count({ method: 'GET', route: '/api/villagers/:id', status: '200' })).toBe(1);
    expect(count({ method: 'GET', route: '/api/villagers/:id', status: '404' })).toBe(1);
    expect(count({ method: 'GET', route: '/api/villagers/:id', status: '401' })).toBe(1);
    expect(count({ method: 'POST', route: '/api/deeds', status: '201' })).toBe(1);
    expect(count({ method: 'POST', route: '/api/auth/login', status: '429' })).toBe(1);
    expect(count({ method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    const event = (name: string) =>
      value(after, 'civility_events_total', { event: name }) -
      value(before, 'civility_events_total', { event: name });
    expect(event('deed_recorded')).toBe(1);
    expect(event('login_failure')).toBeGreaterThanOrEqual(5);
    expect(event('login_throttled')).toBe(1);
    expect(event('redemption')).toBe(0);

    if (isPostgres) {
      // the deed's transaction on the writers' pool, the requests' account reads on the readers'
      for (const pool of ['write', 'read']) {
        expect(
          value(after, 'civility_db_pool_connections', { pool, state: 'total' }),
        ).toBeGreaterThan(0);
      }
    } else {
      expect(samples(after).some((s) => s.name === 'civility_sqlite_write_queue_depth')).toBe(true);
      // the deed's transaction (and the login throttle's) went through the writer's groups
      const groups = (text: string) => value(text, 'civility_sqlite_writer_batch_size_count', {});
      const jobs = (text: string) => value(text, 'civility_sqlite_writer_batch_size_sum', {});
      expect(groups(after) - groups(before)).toBeGreaterThanOrEqual(1);
      expect(jobs(after) - jobs(before)).toBeGreaterThanOrEqual(groups(after) - groups(before));
      expect(value(after, 'civility_sqlite_writer_batch_size_bucket', { le: '+Inf' })).toBe(
        groups(after),
      );
    }

    // No personal data and nothing anyone typed: labels are templates, codes and fixed names.
    for (const secret of [
      '王秀英',
      '430102199001011234',
      'wang_xiuying',
      'secret-guess',
      'zhang-san',
      SCRAPE_TOKEN,
    ]) {
      expect(after).not.toContain(secret);
    }
    for (const s of samples(after)) {
      // Routes hold no digits, so no id; the other labels are fixed names.
      if (s.name.startsWith('civility_') && !s.name.startsWith('civility_nodejs_')) {
        for (const k of Object.keys(s.labels)) expect(ALLOWED_LABELS).toContain(k);
      }
      if (s.labels.route !== undefined) {
        expect(s.labels.route).toMatch(/^(unmatched|(\/([a-z-]+|:[A-Za-z]+))+)$/);
      }
      if (s.labels.status !== undefined) expect(s.labels.status).toMatch(/^[1-5]\d\d$/);
    }
  });
});
