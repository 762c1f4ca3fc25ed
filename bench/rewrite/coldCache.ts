/**
 * Cold-cache timing for bench:rewrite: the first run of a statement after the bench's own server was restarted
 * (shared_buffers empty) and the operating system's page cache was dropped (`sync; echo 1 >
 * /proc/sys/vm/drop_caches`, root only), so every page comes from disk, as for a user whose table is larger
 * than memory. The restart uses pg_ctl with the options the server was started with (postmaster.opts), so the
 * bench must stop that server itself at the end (stopRestarted) before TestServer.stop() removes its files.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { userInfo } from 'node:os';
import type { TestServer } from '../../test/helpers/postgresServer';

/** Why cold figures cannot be had here, or undefined when they can. */
export function dropOsCache(): string | undefined {
  try {
    execFileSync('sync');
    writeFileSync('/proc/sys/vm/drop_caches', '1');
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EROFS' || code === 'EPERM' || code === 'ENOENT') {
      return `cannot drop the OS page cache (${code}: needs root and a writable /proc/sys/vm/drop_caches)`;
    }
    throw err;
  }
}

function asServerUser(cmd: string, args: string[]): [string, string[]] {
  if (userInfo().uid !== 0) return [cmd, args];
  return ['runuser', ['-u', 'postgres', '--', cmd, ...args]];
}

export interface Restarter {
  /** Stops the server (fast shutdown: shared_buffers go with it) and starts it again with the same options. */
  restart(): void;
  /** Stops a server pg_ctl started; a no-op when restart() never ran. */
  stopRestarted(): void;
}

export function restarter(server: TestServer, dataDirectory: string): Restarter {
  const pgCtl = join(server.binDir, 'pg_ctl');
  const log = join(dirname(dataDirectory), 'restart.log');
  let restarted = false;
  const ctl = (args: string[]): void => {
    const [cmd, argv] = asServerUser(pgCtl, args);
    // stdio ignored: a started postmaster would otherwise hold the pipe open and execFileSync would wait for it.
    execFileSync(cmd, argv, { stdio: 'ignore', timeout: 120_000 });
  };
  return {
    restart() {
      ctl(['-D', dataDirectory, '-l', log, '-m', 'fast', '-w', 'restart']);
      restarted = true;
    },
    stopRestarted() {
      if (restarted) ctl(['-D', dataDirectory, '-m', 'fast', '-w', 'stop']);
    },
  };
}
