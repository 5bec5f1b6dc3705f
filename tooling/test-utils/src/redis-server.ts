/**
 * A real `redis-server` for tests (the benchmark's BullMQ grid): loopback only, a free port, persistence in a temp
 * folder, stopped and restarted on demand. Not a mock: the queue tests must see Redis's real behaviour (stalled
 * jobs, restarts with appendonly). Node-only; imported as `@cs-dfd/test-utils/redis-server`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where Debian's `redis-server` package puts the binary. */
export const REDIS_SERVER = '/usr/bin/redis-server';

/** A running test Redis. */
export interface TestRedis {
  readonly port: number;
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
  /** Its appendonly / dump folder (removed by {@link TestRedis.stop}). */
  readonly dir: string;
  /** Stops the server (SIGTERM, which flushes the append-only file) and waits for it to exit. */
  halt(): Promise<void>;
  /** Starts it again on the same port and folder (after {@link TestRedis.halt}); the data comes back from disk. */
  restart(): Promise<void>;
  /** Stops it and removes its folder. */
  stop(): Promise<void>;
}

/** A port that was free a moment ago: bind port 0 on loopback, read it, close. */
function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      s.close(() => res(port));
    });
  });
}

const ping = (port: number): Promise<boolean> =>
  new Promise((res) => {
    const c = createConnection({ host: '127.0.0.1', port });
    let answer = '';
    c.setTimeout(500, () => {
      c.destroy();
      res(false);
    });
    c.on('error', () => res(false));
    c.on('connect', () => c.write('PING\r\n'));
    c.on('data', (d) => {
      answer += d.toString();
      if (answer.includes('\r\n')) {
        c.end();
        res(answer.startsWith('+PONG'));
      }
    });
  });

/** Spawns the server; resolves once it answers PING, rejects when it exits first (e.g. the port was taken). */
async function launch(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(
    REDIS_SERVER,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--save',
      '',
      '--protected-mode',
      'yes',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (d) => {
    output += d.toString();
  });
  child.stderr?.on('data', (d) => {
    output += d.toString();
  });
  const exited = new Promise<never>((_, rej) =>
    child.once('exit', (code) =>
      rej(new Error(`redis-server on port ${port} exited with ${code}: ${output.slice(-400)}`)),
    ),
  );
  exited.catch(() => {});
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const up = await Promise.race([ping(port), exited]);
    if (up) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server on port ${port} did not answer PING within 10 s: ${output.slice(-400)}`);
}

const stopped = (child: ChildProcess): Promise<void> =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((res) => {
        child.once('exit', () => res());
        child.kill('SIGTERM');
      });

/**
 * Starts `redis-server` on a free loopback port with append-only persistence in a fresh temp folder. Throws (it
 * never skips) when the binary is missing, naming the Debian package to install.
 */
export async function startRedis(): Promise<TestRedis> {
  if (!existsSync(REDIS_SERVER)) {
    throw new Error(
      `${REDIS_SERVER} not found: the queue tests need a real Redis; install it with \`sudo apt-get install -y redis-server\``,
    );
  }
  const dir = await mkdtemp(join(tmpdir(), 'cs-dfd-redis-'));
  let child: ChildProcess | undefined;
  let port = 0;
  // The port is free when probed but another process may take it before redis binds: try a few.
  let lastError: unknown;
  for (let attempt = 0; attempt < 5 && child === undefined; attempt++) {
    port = await freePort();
    try {
      child = await launch(port, dir);
    } catch (e) {
      lastError = e;
    }
  }
  if (child === undefined) {
    await rm(dir, { recursive: true, force: true });
    throw lastError;
  }
  let current: ChildProcess | undefined = child;
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    async halt() {
      if (current !== undefined) await stopped(current);
      current = undefined;
    },
    async restart() {
      if (current !== undefined) await stopped(current);
      current = await launch(port, dir);
    },
    async stop() {
      if (current !== undefined) await stopped(current);
      current = undefined;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
