import { ConfigError, loadConfig, parseDatabaseUrl, refuseInProduction } from './config';

describe('loadConfig', () => {
  it('defaults: port 3000, SQLite under ./data, Asia/Shanghai', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.database).toEqual({
      type: 'sqlite',
      path: expect.stringMatching(/data\/civility-points\.sqlite$/),
    });
    expect(c.timeZone).toBe('Asia/Shanghai');
    expect(c.jwtSecret.length).toBeGreaterThanOrEqual(32);
  });

  it.each([
    [{ PORT: 'abc' }, /^PORT:/],
    [{ PORT: '70000' }, /^PORT:/],
    [{ DATABASE_URL: 'mysql://x' }, /^DATABASE_URL:/],
    [{ DATABASE_URL: 'sqlite:' }, /^DATABASE_URL:/],
    [{ NODE_ENV: 'production' }, /^JWT_SECRET: required/],
    [{ NODE_ENV: 'production', JWT_SECRET: 'short' }, /^JWT_SECRET:/],
    [{ TIME_ZONE: 'Mars/Olympus' }, /^TIME_ZONE:/],
    [{ ADMIN_PASSWORD: 'abc' }, /^ADMIN_PASSWORD:/],
    [{ JWT_EXPIRES_IN: '12 hours' }, /^JWT_EXPIRES_IN:/],
    [{ JWT_EXPIRES_IN: '10s' }, /^JWT_EXPIRES_IN:/],
    [{ JWT_EXPIRES_IN: '400d' }, /^JWT_EXPIRES_IN:/],
    [{ JWT_EXPIRES_IN: '-1h' }, /^JWT_EXPIRES_IN:/],
  ])('%j is refused with one line naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
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

  it('seed:demo refuses NODE_ENV=production', () => {
    expect(() => refuseInProduction('seed:demo', { NODE_ENV: 'production' })).toThrow(
      /seed:demo refuses to run with NODE_ENV=production/,
    );
    expect(() => refuseInProduction('seed:demo', { NODE_ENV: 'development' })).not.toThrow();
  });
});
