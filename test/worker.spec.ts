import { join } from 'node:path';
import { MAX_WORKERS, runInWorker, WorkerFailed } from '../src/common/worker';

const runaway = join(__dirname, 'fixtures', 'runaway.worker');
const limits = { memoryMb: 32, timeoutMs: 3000 };

async function failure(mode: string): Promise<WorkerFailed> {
  const err: unknown = await runInWorker(runaway, mode, limits).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkerFailed);
  return err as WorkerFailed;
}

describe('runInWorker', () => {
  it('answers what the worker posts', async () => {
    await expect(runInWorker(runaway, 'answer', limits)).resolves.toBe('answered answer');
  });

  it('ends a worker that runs past its time, one that fills its memory, and one that throws', async () => {
    expect((await failure('loop')).reason).toBe('timeout');
    expect((await failure('memory')).reason).toBe('memory');
    expect((await failure('throw')).reason).toBe('crash');
    // and this process goes on: the next worker answers
    await expect(runInWorker(runaway, 'answer', limits)).resolves.toBe('answered answer');
  });

  it(`runs at most ${MAX_WORKERS} at once; the next waits its turn`, async () => {
    const settled: string[] = [];
    const loops = Array.from({ length: MAX_WORKERS }, () =>
      runInWorker(runaway, 'loop', { ...limits, timeoutMs: 1500 }).catch(() => {
        settled.push('loop ended');
      }),
    );
    const answered = runInWorker(runaway, 'answer', limits).then((a) => {
      settled.push(a as string);
    });
    await Promise.all([...loops, answered]);
    // alongside, the answer would have come long before the loops' time ran out
    expect(settled).toEqual([...Array(MAX_WORKERS).fill('loop ended'), 'answered answer']);
  });
});
