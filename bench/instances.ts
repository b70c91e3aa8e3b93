/**
 * N copies of the built service on one database, for `npm run bench:cluster`.
 *
 * The same approach as test/instances.ts (which cannot be reused from here: it finds the
 * repository from its own folder, and compiled into dist/test/ it would look for
 * dist/dist/src/main.js). All start at once: the migration advisory lock in src/db lets one
 * migrate while the others wait.
 */
import { resolve } from 'node:path';
import { freePort, ROOT, startNode, type Child } from './common';

export interface Instances {
  urls: string[];
  children: Child[];
  output(): string;
  stop(): Promise<void>;
}

export async function startInstances(
  count: number,
  env: Record<string, string>,
): Promise<Instances> {
  const main = resolve(ROOT, 'dist', 'src', 'main.js');
  const children: Child[] = [];
  const stop = async () => {
    await Promise.all(children.map((c) => c.stop()));
  };
  const output = () =>
    children.map((c, i) => `── instance ${i} (:${c.port}) ──\n${c.output()}`).join('\n');
  const startOne = async () => {
    const child = await startNode(main, env, await freePort(), '/api/health', 60_000);
    children.push(child);
    return child;
  };
  try {
    await Promise.all(Array.from({ length: count }, startOne));
  } catch (err) {
    await stop();
    throw err;
  }
  return { urls: children.map((c) => c.url), children, output, stop };
}
