import { ConsoleLogger } from '@nestjs/common';
import { LOG_LEVELS, type LogLevel } from './config';

/** Nest's own start-up lines: a line per module loaded and per route mapped (about 260). */
const FRAMEWORK_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);

/**
 * The service's logger: JSON lines in production, coloured text otherwise, and the framework's
 * start-up lines demoted to `debug`, so that the default start log is the few lines a person
 * reads (docs/operations.md, LOG_LEVEL).
 */
export class AppLogger extends ConsoleLogger {
  constructor(opts: { production: boolean; level: LogLevel }) {
    super({
      json: opts.production,
      colors: !opts.production,
      logLevels: [...LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(opts.level) + 1)],
    });
  }

  override log(message: unknown, ...rest: unknown[]): void {
    const context = rest.at(-1);
    if (typeof context === 'string' && FRAMEWORK_CONTEXTS.has(context)) {
      super.debug(message, ...rest);
    } else {
      super.log(message, ...rest);
    }
  }
}
