/**
 * Preloaded into a server by `npm run bench` (node -r dist/bench/profile-hook.js …) so that its
 * CPU can be profiled for part of a run without touching the service's code: the first SIGWINCH
 * starts V8's sampling profiler, the second stops it and writes the profile to
 * BENCH_PROFILE_FILE (a .cpuprofile JSON, which Chrome DevTools also opens). SIGWINCH because
 * it is ignored by default and Nest's shutdown hooks do not listen to it (they do to SIGUSR2).
 */
import { renameSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

const file = process.env.BENCH_PROFILE_FILE;
if (file) {
  const session = new Session();
  session.connect();
  let running = false;
  process.on('SIGWINCH', () => {
    if (!running) {
      running = true;
      session.post('Profiler.enable', () => session.post('Profiler.start'));
      return;
    }
    running = false;
    session.post('Profiler.stop', (err, result) => {
      if (err) return;
      // Written aside and renamed, so the benchmark never reads half a file.
      writeFileSync(`${file}.tmp`, JSON.stringify(result.profile));
      renameSync(`${file}.tmp`, file);
    });
  });
}
