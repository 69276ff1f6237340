/**
 * `npm start`: runs Conveyor on this machine on its stand-ins. `npm start -- --fresh` starts empty.
 * Environment: PORT (API port, default 3000), CONVEYOR_ADMIN_TOKEN, CONVEYOR_DATA_DIR (default
 * .conveyor), CONVEYOR_SQS_PORT (9324), CONVEYOR_DYNAMODB_PORT (8000), CONVEYOR_SES_PORT (8005);
 * the functions' settings (e.g. PROBE_LADDER_SECONDS) are read from the same environment.
 *
 * `npm start` runs this file as `node --import tsx bin/local.ts`, one process, not through tsx's
 * CLI: that CLI runs the script in a child, relays Ctrl-C to it and SIGKILLs it when it does not
 * acknowledge the signal within 30 ms — which a loaded machine misses, and a killed runtime leaves
 * its stand-ins (DynamoDB Local's JVM, fauxqs) running.
 */
import { resolve } from 'node:path';
import { ENV, type EnvName, envReader } from '../lambdas/shared/runtime/env';
import { startConveyorLocal } from '../local/conveyor-local';
import { REFERENCE_DOCUMENT_PATH, REFERENCE_PAGE_PATH } from '../local/reference-pages';

const env = envReader(process.env);

const port = (name: EnvName, fallback: number) => {
  const value = env.parsed(name, Number, fallback);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`${name} must be a port number`);
  return value;
};

const main = async () => {
  const fresh = process.argv.includes('--fresh');
  const dataDir = resolve(env.string(ENV.CONVEYOR_DATA_DIR, '.conveyor'));
  const conveyor = await startConveyorLocal({
    dataDir,
    fresh,
    port: port(ENV.PORT, 3000),
    sqsPort: port(ENV.CONVEYOR_SQS_PORT, 9324),
    dynamoDbPort: port(ENV.CONVEYOR_DYNAMODB_PORT, 8000),
    sesPort: port(ENV.CONVEYOR_SES_PORT, 8005),
    adminToken: env.optional(ENV.CONVEYOR_ADMIN_TOKEN),
    environment: process.env,
  });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping Conveyor…`);
    conveyor.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  console.log(
    [
      'Conveyor is running locally.',
      `API: ${conveyor.apiUrl}`,
      `API reference: ${conveyor.apiUrl}${REFERENCE_PAGE_PATH} (the document: ${conveyor.apiUrl}${REFERENCE_DOCUMENT_PATH})`,
      `Admin token: ${conveyor.adminToken}${conveyor.adminTokenGenerated ? ` (generated; set ${ENV.CONVEYOR_ADMIN_TOKEN} to choose one)` : ''}`,
      `SES inbox: ${conveyor.sesUrl}`,
      `Data: ${dataDir}${fresh ? ' (started fresh)' : ''}`,
      conveyor.fidelity.mode === 'aws'
        ? `Fidelity: aws, seed ${conveyor.fidelity.seed} (${ENV.CONVEYOR_LOCAL_SEED}=${conveyor.fidelity.seed} replays this run's chances)`
        : `Fidelity: default (${ENV.CONVEYOR_LOCAL_FIDELITY}=aws behaves as AWS does at its worst)`,
      'Ready. Ctrl-C stops everything.',
    ].join('\n'),
  );
};

main().catch((error: unknown) => {
  console.error('Conveyor failed to start:', error);
  process.exit(1);
});
