import 'reflect-metadata';
import { setFlagsFromString } from 'node:v8';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppLogger } from './app.logger';
import { AppModule } from './app.module';
import { httpAdapter, setupApp } from './app.setup';
import { ConfigError, loadConfig } from './config';
import { serveWebApp } from './web-app';

// The old generation may grow to twice what survived the last full collection before the next
// one, where V8's own factor for a heap capped at 192 MB (npm start) is lower: fewer
// mark-compact pauses, which made the latency tail, for a little more memory at peak
// (docs/performance.md). Set here so that it holds however the service is started.
setFlagsFromString('--heap-growing-percent=100');

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
      logger: new AppLogger({ production: config.production, level: config.logLevel }),
      bodyParser: false,
    },
  );
  await setupApp(app, { logRequests: process.env.LOG_REQUESTS !== '0' });
  if (!(await serveWebApp(app))) {
    new Logger('Main').warn('The web app is not built (npm run build:web): serving the API only');
  }
  app.enableShutdownHooks();
  await app.listen(config.port, config.host);
  const { port } = app.getHttpServer().address() as { port: number };
  const logger = new Logger('Main');
  const { database } = config;
  logger.log(
    `Civility Points listening on :${port} (${database.type}${database.type === 'sqlite' ? ` ${database.path}` : ''})`,
  );
  const host = ['0.0.0.0', '::'].includes(config.host) ? 'localhost' : config.host;
  logger.log(`Open http://${host.includes(':') ? `[${host}]` : host}:${port} in a browser`);
  if (!config.production) {
    logger.log('Demo data: npm run seed:demo in another terminal (the service keeps running)');
  }
}

main().catch((err) => {
  console.error(`Start failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
