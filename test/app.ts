import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { Client } from 'pg';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppModule } from '../src/app.module';
import { httpAdapter, setupApp } from '../src/app.setup';
import { Sessions } from '../src/auth/sessions';
import { User, type Role } from '../src/auth/user.entity';
import { loadConfig, type AppConfig } from '../src/config';
import { Tx } from '../src/db/transaction';
import { Store, StoreVillage } from '../src/store/store.entity';
import { Household, Village } from '../src/villages/village.entity';
import { nameInitials } from '../src/villagers/name-initials';
import { Villager } from '../src/villagers/villager.entity';

export const ADMIN_PASSWORD = 'admin-test-password';
export const isPostgres = process.env.TEST_DATABASE === 'postgres';

/** A throwaway PostgreSQL database for one test file, or an in-memory SQLite one. */
export async function freshDatabaseUrl(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!isPostgres) return { url: 'sqlite::memory:', drop: async () => undefined };
  const base = new URL(process.env.DATABASE_URL!);
  const name = `cp_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: base.toString() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new Client({ connectionString: base.toString() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export interface TestApp {
  app: NestFastifyApplication;
  http: () => ReturnType<typeof request>;
  ds: DataSource;
  config: AppConfig;
  /** A bearer token for a new user of that role and scope, created straight in the database. */
  tokenFor(
    role: Role,
    scope?: Partial<Pick<User, 'villageId' | 'storeId' | 'villagerId' | 'town'>>,
  ): Promise<string>;
  adminToken(): Promise<string>;
  /** A token of a new session of the account `token` belongs to (after a logout ended it). */
  freshToken(token: string): Promise<string>;
  newVillage(overrides?: Partial<Village>): Promise<Village>;
  newHousehold(villageId: number, overrides?: Partial<Household>): Promise<Household>;
  newVillager(villageId: number, overrides?: Partial<Villager>): Promise<Villager>;
  newStore(villageIds: number[], name?: string): Promise<Store>;
  close(): Promise<void>;
}

let counter = 0;
const unique = (prefix: string) => `${prefix}${process.pid}_${++counter}`;

export async function createTestApp(
  env: Record<string, string> = {},
  opts: { logRequests?: boolean } = {},
): Promise<TestApp> {
  const db = await freshDatabaseUrl();
  const config = loadConfig({
    DATABASE_URL: db.url,
    JWT_SECRET: 'test-secret-test-secret-test-secret',
    ADMIN_PASSWORD,
    TIME_ZONE: 'Asia/Shanghai',
    ...env,
  });
  const moduleRef = await Test.createTestingModule({
    imports: [AppModule.forRoot(config)],
  }).compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(
    httpAdapter(config.trustProxy),
    {
      bodyParser: false,
      logger: ['error'],
    },
  );
  Logger.overrideLogger(['error']);
  await setupApp(app, opts);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const ds = app.get(DataSource);
  const sessions = app.get(Sessions);
  const tx = app.get(Tx);

  /** A session opened as a login opens it, and its access token. */
  const sign = async (user: User) =>
    sessions.accessToken(
      user,
      await tx.run((em) => sessions.open(em, user, { ip: null, userAgent: 'test' })),
    );

  const t: TestApp = {
    app,
    ds,
    config,
    http: () => request(app.getHttpServer()),
    async tokenFor(role, scope = {}) {
      const user = await ds.getRepository(User).save({
        username: unique(role),
        passwordHash: 'x',
        role,
        villageId: scope.villageId ?? null,
        storeId: scope.storeId ?? null,
        villagerId: scope.villagerId ?? null,
        town: scope.town ?? null,
      });
      return sign(user);
    },
    async adminToken() {
      return sign(await ds.getRepository(User).findOneByOrFail({ username: 'admin' }));
    },
    async freshToken(token) {
      const { sub } = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
      return sign(await ds.getRepository(User).findOneByOrFail({ id: sub }));
    },
    newVillage: (o = {}) =>
      ds
        .getRepository(Village)
        .save({ code: unique('V'), name: '测试村', town: '测试镇', redListSize: 10, ...o }),
    newHousehold: (villageId, o = {}) =>
      ds
        .getRepository(Household)
        .save({ villageId, householdNo: unique('H'), headName: '户主', group: '一组', ...o }),
    newVillager: (villageId, o = {}) =>
      ds.getRepository(Villager).save({
        villageId,
        name: '张三',
        nameInitials: nameInitials(o.name ?? '张三'),
        status: 'active',
        balance: 0,
        householdId: null,
        idNumber: null,
        phone: null,
        ...o,
      }),
    async newStore(villageIds, name = '积分超市') {
      const store = await ds.getRepository(Store).save({ name });
      await ds
        .getRepository(StoreVillage)
        .save(villageIds.map((villageId) => ({ storeId: store.id, villageId })));
      return store;
    },
    async close() {
      await app.close();
      await db.drop();
    },
  };
  return t;
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });
