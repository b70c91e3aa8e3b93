/**
 * Writes the OpenAPI document of the built service to web/openapi.json (`npm run openapi`), or
 * with `--check` fails when that committed file is not what the code produces (`npm run lint`).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../src/app.module';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { httpAdapter, setupApp } from '../src/app.setup';
import { loadConfig } from '../src/config';
import { buildOpenApiDocument } from '../src/openapi';

async function main(): Promise<void> {
  const config = loadConfig({
    DATABASE_URL: 'sqlite::memory:',
    JWT_SECRET: 'openapi-export-openapi-export-openapi',
    ADMIN_PASSWORD: 'openapi-export-only',
    TIME_ZONE: 'Asia/Shanghai',
  });
  Logger.overrideLogger(['error']);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config),
    httpAdapter(),
    { logger: ['error'], bodyParser: false },
  );
  await setupApp(app, { docs: false });
  await app.init();
  const text = JSON.stringify(buildOpenApiDocument(app, { strict: true }), null, 2) + '\n';
  await app.close();
  const file = resolve(__dirname, '../../web/openapi.json');
  if (process.argv.includes('--check')) {
    if (!existsSync(file) || readFileSync(file, 'utf8') !== text) {
      console.error('web/openapi.json is not current: run `npm run openapi` and commit the result');
      process.exit(1);
    }
    return;
  }
  writeFileSync(file, text);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
