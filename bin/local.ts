/**
 * `npm start`: runs Conveyor on this machine on its stand-ins. `npm start -- --fresh` starts empty.
 * Environment: PORT (API port, default 3000), CONVEYOR_ADMIN_TOKEN, CONVEYOR_DATA_DIR (default
 * .conveyor), CONVEYOR_SQS_PORT (9324), CONVEYOR_DYNAMODB_PORT (8000), CONVEYOR_SES_PORT (8005).
 */
import { resolve } from 'node:path';
import { startConveyorLocal } from '../local/conveyor-local';

const port = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 0 || value > 65535) throw new Error(`${name} must be a port number`);
  return value;
};

const main = async () => {
  const fresh = process.argv.includes('--fresh');
  const dataDir = resolve(process.env.CONVEYOR_DATA_DIR ?? '.conveyor');
  const conveyor = await startConveyorLocal({
    dataDir,
    fresh,
    port: port('PORT', 3000),
    sqsPort: port('CONVEYOR_SQS_PORT', 9324),
    dynamoDbPort: port('CONVEYOR_DYNAMODB_PORT', 8000),
    sesPort: port('CONVEYOR_SES_PORT', 8005),
    adminToken: process.env.CONVEYOR_ADMIN_TOKEN || undefined,
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
      `Admin token: ${conveyor.adminToken}${conveyor.adminTokenGenerated ? ' (generated; set CONVEYOR_ADMIN_TOKEN to choose one)' : ''}`,
      `SES inbox: ${conveyor.sesUrl}`,
      `Data: ${dataDir}${fresh ? ' (started fresh)' : ''}`,
      'Ready. Ctrl-C stops everything.',
    ].join('\n'),
  );
};

main().catch((error: unknown) => {
  console.error('Conveyor failed to start:', error);
  process.exit(1);
});
