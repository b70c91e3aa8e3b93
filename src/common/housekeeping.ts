import { Logger } from '@nestjs/common';

/**
 * Runs `task` every `ms` in the background: unref'd, so it never keeps the process alive, and a
 * failure is logged, never thrown (the next round tries again). Answers the function that stops it.
 */
export function repeat(name: string, ms: number, task: () => Promise<unknown>): () => void {
  const logger = new Logger('Housekeeping');
  const timer = setInterval(() => {
    task().catch((err: unknown) =>
      logger.warn(`${name} failed: ${err instanceof Error ? err.message : String(err)}`),
    );
  }, ms);
  timer.unref();
  return () => clearInterval(timer);
}
