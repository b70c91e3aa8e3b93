import { ConfigError, loadConfig, parseDatabaseUrl, refuseInProduction } from './config';

describe('loadConfig', () => {
  it('defaults: port 3000, SQLite under ./data, Asia/Shanghai', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.host).toBe('0.0.0.0');
    expect(c.database).toEqual({
      type: 'sqlite',
      path: expect.stringMatching(/data\/civility-points\.sqlite$/),
    });
    expect(c.timeZone).toBe('Asia/Shanghai');
    expect(c.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(c.ops).toEqual({
      backupDir: expect.stringMatching(/\/backups$/),
      backupKeep: 14,
      backupIntervalHours: 0,
      metricsToken: undefined,
    });
  });

  it.each([
    [{ PORT: 'abc' }, /^PORT:/],
    [{ PORT: '70000' }, /^PORT:/],
    [{ HOST: 'example.org' }, /^HOST:/],
    [{ HOST: '999.1.1.1' }, /^HOST:/],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL:/],
    [{ DATABASE_URL: 'sqlite:' }, /^DATABASE_URL:/],
    [{ DATABASE_READ_URL: 'postgres://u@replica/db' }, /^DATABASE_READ_URL:/],
    [{ DATABASE_URL: 'postgres://u@h/db', DATABASE_READ_URL: 'sqlite:x' }, /^DATABASE_READ_URL:/],
    [{ NODE_ENV: 'production' }, /^JWT_SECRET: required/],
    [{ NODE_ENV: 'production', JWT_SECRET: 'short' }, /^JWT_SECRET:/],
    [{ TIME_ZONE: 'Mars/Olympus' }, /^TIME_ZONE:/],
    [{ ADMIN_PASSWORD: 'abc' }, /^ADMIN_PASSWORD:/],
    [{ JWT_EXPIRES_IN: '12 hours' }, /^JWT_EXPIRES_IN:/],
    [{ JWT_EXPIRES_IN: '10s' }, /^JWT_EXPIRES_IN:/],
    [{ JWT_EXPIRES_IN: '400d' }, /^JWT_EXPIRES_IN:/],
    [{ JWT_EXPIRES_IN: '-1h' }, /^JWT_EXPIRES_IN:/],
    [{ BACKUP_KEEP: '0' }, /^BACKUP_KEEP:/],
    [{ BACKUP_KEEP: 'ten' }, /^BACKUP_KEEP:/],
    [{ WECOM_ALLOWED_HOSTS: 'https://qyapi.weixin.qq.com' }, /^WECOM_ALLOWED_HOSTS:/],
    [{ WECOM_DAILY_AT: '25:00' }, /^WECOM_DAILY_AT:/],
    [{ PUBLIC_URL: 'jf.example.gov.cn' }, /^PUBLIC_URL:/],
    [{ WECOM_RETRY_SECONDS: '0' }, /^WECOM_RETRY_SECONDS:/],
    [{ BACKUP_INTERVAL_HOURS: '-1' }, /^BACKUP_INTERVAL_HOURS:/],
    [{ BACKUP_INTERVAL_HOURS: 'daily' }, /^BACKUP_INTERVAL_HOURS:/],
    [{ METRICS_TOKEN: 'short' }, /^METRICS_TOKEN:/],
    [{ TRUST_PROXY: 'yes please' }, /^TRUST_PROXY:/],
  ])('%j is refused with one line naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('DATABASE_READ_URL: a PostgreSQL replica beside a PostgreSQL primary', () => {
    const { database } = loadConfig({
      DATABASE_URL: 'postgres://u@primary/db',
      DATABASE_READ_URL: 'postgres://u@replica/db',
    });
    expect(database).toEqual({
      type: 'postgres',
      url: 'postgres://u@primary/db',
      readUrl: 'postgres://u@replica/db',
    });
  });

  it('reads sqlite and postgres URLs', () => {
    expect(parseDatabaseUrl('sqlite::memory:')).toEqual({ type: 'sqlite', path: ':memory:' });
    expect(parseDatabaseUrl('postgres://u@h:5432/db')).toEqual({
      type: 'postgres',
      url: 'postgres://u@h:5432/db',
    });
  });
});

describe('JWT_EXPIRES_IN and production guards', () => {
  it.each(['12h', '30m', '7d', '3600', '30d'])('accepts %s', (v) => {
    expect(loadConfig({ JWT_EXPIRES_IN: v }).jwtExpiresIn).toBe(v);
  });

  it('HOST: an address to listen on', () => {
    expect(loadConfig({ HOST: '127.0.0.1' }).host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '::' }).host).toBe('::');
    expect(loadConfig({ HOST: '' }).host).toBe('0.0.0.0');
  });

  it('TRUST_PROXY: off by default, true, a hop count or proxy addresses', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ TRUST_PROXY: '127.0.0.1, 10.0.0.0/8' }).trustProxy).toBe(
      '127.0.0.1, 10.0.0.0/8',
    );
  });

  it('seed:demo refuses NODE_ENV=production', () => {
    expect(() => refuseInProduction('seed:demo', { NODE_ENV: 'production' })).toThrow(
      /seed:demo refuses to run with NODE_ENV=production/,
    );
    expect(() => refuseInProduction('seed:demo', { NODE_ENV: 'development' })).not.toThrow();
  });
});
