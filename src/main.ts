import 'reflect-metadata';
import { join } from 'node:path';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { setupApp } from './app.setup';
import { ConfigError, loadConfig } from './config';
import { WebApp, webAppMiddleware } from './web-app';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Configuration error: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    logger: new ConsoleLogger({ json: config.production, colors: !config.production }),
    bodyParser: false,
  });
  setupApp(app, { logRequests: process.env.LOG_REQUESTS !== '0' });
  const web = WebApp.load(join(__dirname, '..', 'web'));
  if (web) app.use(webAppMiddleware(web));
  else new Logger('Main').warn('dist/web not built (npm run build:web): serving the API only');
  app.enableShutdownHooks();
  await app.listen(config.port);
  const { port } = app.getHttpServer().address() as { port: number };
  new Logger('Main').log(
    `Civility Points listening on :${port} (${config.database.type}${config.database.type === 'sqlite' ? ` ${config.database.path}` : ''})`,
  );
}

main().catch((err) => {
  console.error(`Start failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
