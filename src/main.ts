import 'reflect-metadata';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module';
import { httpAdapter, setupApp } from './app.setup';
import { ConfigError, loadConfig } from './config';
import { serveWebApp } from './web-app';

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
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config),
    httpAdapter(config.trustProxy),
    {
      logger: new ConsoleLogger({ json: config.production, colors: !config.production }),
      bodyParser: false,
    },
  );
  await setupApp(app, { logRequests: process.env.LOG_REQUESTS !== '0' });
  if (!(await serveWebApp(app))) {
    new Logger('Main').warn('The web app is not built (npm run build:web): serving the API only');
  }
  app.enableShutdownHooks();
  // Fastify listens on localhost only unless told otherwise.
  await app.listen(config.port, '0.0.0.0');
  const { port } = app.getHttpServer().address() as { port: number };
  new Logger('Main').log(
    `Civility Points listening on :${port} (${config.database.type}${config.database.type === 'sqlite' ? ` ${config.database.path}` : ''})`,
  );
}

main().catch((err) => {
  console.error(`Start failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
