/**
 * Reserves TCP ports for servers that must be told their port before they bind it (DynamoDB Local's
 * JVM, a restarted `npm start` that keeps its ports).
 *
 * Probing a free port and binding it later is a race: between the two, any process that binds
 * port 0 may be handed the same port by the kernel. So reserved ports are drawn from below the
 * kernel's ephemeral range (which port 0 never hands out), and each is claimed with a lock file
 * created exclusively, so two processes on this machine (two Jest workers) never draw the same one.
 */
import { randomInt } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LOCK_DIR = join(tmpdir(), 'conveyor-port-reservations');
/** Below this, ports are often taken by well-known services. */
const LOWEST_PORT = 10_000;
/** Linux's default start of the ephemeral range (`net.ipv4.ip_local_port_range`). */
const DEFAULT_EPHEMERAL_START = 32_768;
/** A claim older than this whose process is gone is swept (a killed run could not remove it). */
const STALE_CLAIM_MS = 60 * 60 * 1000;
const MAX_DRAWS = 500;

const held = new Set<string>();
let swept = false;

const ephemeralStart = (): number => {
  try {
    const first = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(first) && first > LOWEST_PORT + 1000 ? first : DEFAULT_EPHEMERAL_START;
  } catch {
    return DEFAULT_EPHEMERAL_START;
  }
};

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

const sweepStaleClaims = () => {
  for (const name of readdirSync(LOCK_DIR)) {
    const file = join(LOCK_DIR, name);
    try {
      const owner = Number(readFileSync(file, 'utf8'));
      if (Date.now() - statSync(file).mtimeMs > STALE_CLAIM_MS && !alive(owner)) rmSync(file, { force: true });
    } catch {
      // Removed meanwhile by its owner: nothing to sweep.
    }
  }
};

const claim = (port: number): boolean => {
  const file = join(LOCK_DIR, String(port));
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  held.add(file);
  return true;
};

/** Whether nothing else (a process that does not take claims) listens on the port now. */
const bindable = (port: number) =>
  new Promise<boolean>((resolveBindable) => {
    const server = createServer();
    server.once('error', () => resolveBindable(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolveBindable(true)));
  });

process.once('exit', () => {
  for (const file of held) rmSync(file, { force: true });
});

/**
 * A loopback TCP port that stays this process's until it exits: no other caller of this function on
 * the machine gets it, and the kernel never hands it to a server binding port 0.
 * @returns a port in [10000, start of the ephemeral range)
 * @throws Error when no free port was found in 500 draws
 */
export const reservePort = async (): Promise<number> => {
  mkdirSync(LOCK_DIR, { recursive: true });
  if (!swept) {
    swept = true;
    sweepStaleClaims();
  }
  const upper = ephemeralStart();
  for (let draw = 0; draw < MAX_DRAWS; draw++) {
    const port = randomInt(LOWEST_PORT, upper);
    // A claimed port that something else already listens on stays claimed: it is no use to anyone.
    if (claim(port) && (await bindable(port))) return port;
  }
  throw new Error(`No free port found below ${upper} in ${MAX_DRAWS} draws`);
};
