import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';

/** A worker that did not answer: past its time, out of its memory, or crashed. */
export class WorkerFailed extends Error {
  constructor(
    readonly reason: 'timeout' | 'memory' | 'crash',
    message: string,
  ) {
    super(message);
  }
}

export interface WorkerLimits {
  /** V8's old generation of the worker; past it the worker ends, the service does not. */
  memoryMb: number;
  timeoutMs: number;
}

/** Workers running at once; more callers wait their turn, so uploads cannot take every core. */
export const MAX_WORKERS = 2;
let running = 0;
const waiting: (() => void)[] = [];

async function turn(): Promise<() => void> {
  if (running >= MAX_WORKERS) await new Promise<void>((resolve) => waiting.push(resolve));
  else running++;
  return () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
}

/**
 * Under ts-jest the worker's module is TypeScript source: this bootstrap registers a require hook
 * that transpiles each .ts file as it loads (the tests run the very code the service runs).
 */
const TS_BOOTSTRAP = `
const { readFileSync } = require('node:fs');
const [entry, typescript] = process.argv.slice(-2);
const ts = require(typescript);
const compilerOptions = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true };
require.extensions['.ts'] = (module, filename) =>
  module._compile(ts.transpileModule(readFileSync(filename, 'utf8'), { compilerOptions, fileName: filename }).outputText, filename);
require(entry);
`;

/** Whether a worker module is built JavaScript (else TypeScript under ts-jest), asked once. */
const built = new Map<string, boolean>();
const isBuilt = (modulePath: string): boolean => {
  let js = built.get(modulePath);
  if (js === undefined) built.set(modulePath, (js = existsSync(`${modulePath}.js`)));
  return js;
};

/**
 * Runs a module on a worker thread with `input` as its `workerData` and answers the first message
 * it posts. `modulePath` has no extension: the built `.js`, or the `.ts` source under ts-jest.
 * The worker is ended when it answers, fails, or runs past `timeoutMs`.
 */
export async function runInWorker<I, O>(
  modulePath: string,
  input: I,
  limits: WorkerLimits,
): Promise<O> {
  const release = await turn();
  try {
    return await new Promise<O>((resolve, reject) => {
      const options = {
        workerData: input,
        resourceLimits: { maxOldGenerationSizeMb: limits.memoryMb, stackSizeMb: 4 },
      };
      const worker = isBuilt(modulePath)
        ? new Worker(`${modulePath}.js`, options)
        : new Worker(TS_BOOTSTRAP, {
            ...options,
            eval: true,
            argv: [`${modulePath}.ts`, require.resolve('typescript')],
          });
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        void worker.terminate();
        fn();
      };
      const timer = setTimeout(
        () =>
          settle(() =>
            reject(new WorkerFailed('timeout', `worker ran past ${limits.timeoutMs} ms`)),
          ),
        limits.timeoutMs,
      );
      worker.once('message', (answer: O) => settle(() => resolve(answer)));
      worker.once('error', (err: Error & { code?: string }) =>
        settle(() =>
          reject(
            err.code === 'ERR_WORKER_OUT_OF_MEMORY'
              ? new WorkerFailed('memory', err.message)
              : new WorkerFailed('crash', err.message),
          ),
        ),
      );
      worker.once('exit', (code) =>
        settle(() => reject(new WorkerFailed('crash', `worker exited with ${code}`))),
      );
    });
  } finally {
    release();
  }
}
