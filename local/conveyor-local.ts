/**
 * Conveyor on one machine: the stand-ins, the HTTP API on 127.0.0.1 and one poller per destination
 * queue, all calling the same handlers that run on AWS. Only API Gateway and the event-source
 * mappings, which have no stand-in, are emulated here.
 */
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceNotFoundException, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { BucketAlreadyExists, BucketAlreadyOwnedByYou, CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TABLE_SCHEMA } from '../lambdas/shared/adapters/dynamodb/keys';
import { startGateway } from './api-gateway';
import { LocalEventSourceMappings } from './event-source-mappings';
import { freePort, type StandIn, startDynamoDb, startSes, startSqs } from './stand-ins';

export interface LocalOptions {
  /** Where queues, tables and mappings persist between runs. */
  readonly dataDir: string;
  /** Start empty: delete everything in `dataDir` first. */
  readonly fresh?: boolean;
  /** API port; 0 picks a free one. @default 3000 */
  readonly port?: number;
  /** Ports of the stand-ins; 0 (the default) picks free ones. */
  readonly sqsPort?: number;
  readonly dynamoDbPort?: number;
  readonly sesPort?: number;
  /** The admin token; generated (and kept in `dataDir`) when absent. */
  readonly adminToken?: string;
  /** Extra environment for the handlers (e.g. shorter timeouts in tests). */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Keep the table in memory rather than on disk, where DynamoDB Local's SQLite makes each write
   * take 10–20 ms here (benchmarks measure Conveyor, not SQLite). Nothing survives a restart.
   * @default false
   */
  readonly tableInMemory?: boolean;
}

export interface LocalConveyor {
  readonly apiUrl: string;
  readonly adminToken: string;
  readonly adminTokenGenerated: boolean;
  readonly sesUrl: string;
  readonly sqsUrl: string;
  readonly dynamoDbUrl: string;
  readonly mappings: LocalEventSourceMappings;
  /** Stops or restarts the SQS stand-in alone (durability tests). */
  stopSqs(): Promise<void>;
  startSqs(): Promise<void>;
  stop(): Promise<void>;
}

const TABLE_NAME = 'conveyor';
const PAYLOAD_BUCKET = 'conveyor-local-payloads';
const QUEUE_NAME_PREFIX = 'conveyor-local-';
const DELIVERY_TIMEOUT_MS = 120_000;
const PROBER_INTERVAL_MS = 1000;

const ensureBucket = async (endpoint: string) => {
  const client = new S3Client({ endpoint, forcePathStyle: true });
  try {
    await client.send(new CreateBucketCommand({ Bucket: PAYLOAD_BUCKET }));
  } catch (error) {
    if (!(error instanceof BucketAlreadyOwnedByYou) && !(error instanceof BucketAlreadyExists)) throw error;
  } finally {
    client.destroy();
  }
};

const ensureTable = async (endpoint: string) => {
  const client = new DynamoDBClient({ endpoint });
  try {
    await client.send(new DescribeTableCommand({ TableName: TABLE_NAME }));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
    await client.send(
      new CreateTableCommand({
        TableName: TABLE_NAME,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: TABLE_SCHEMA.partitionKey, AttributeType: 'S' },
          { AttributeName: TABLE_SCHEMA.sortKey, AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: TABLE_SCHEMA.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE_SCHEMA.sortKey, KeyType: 'RANGE' },
        ],
      }),
    );
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: TABLE_NAME,
        TimeToLiveSpecification: { AttributeName: TABLE_SCHEMA.timeToLiveAttribute, Enabled: true },
      }),
    );
  } finally {
    client.destroy();
  }
};

const adminTokenFor = (dataDir: string, given: string | undefined) => {
  if (given) return { adminToken: given, generated: false };
  const file = join(dataDir, 'admin-token');
  if (existsSync(file)) return { adminToken: readFileSync(file, 'utf8').trim(), generated: true };
  const adminToken = randomBytes(24).toString('base64url');
  writeFileSync(file, adminToken, { mode: 0o600 });
  return { adminToken, generated: true };
};

/**
 * Stands in for the scheduled prober: one pass every second (never two at once), where AWS runs
 * the prober every minute and it passes every two seconds within its run.
 */
const startProber = <P>(ports: P, pass: (ports: P) => Promise<unknown>) => {
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    running ??= pass(ports)
      .catch(() => undefined)
      .finally(() => (running = undefined));
  }, PROBER_INTERVAL_MS);
  return {
    stop: async () => {
      clearInterval(timer);
      await running;
    },
  };
};

export const startConveyorLocal = async (options: LocalOptions): Promise<LocalConveyor> => {
  if (options.fresh) rmSync(options.dataDir, { recursive: true, force: true });
  mkdirSync(options.dataDir, { recursive: true });
  const started: StandIn[] = [];
  const stopAll = async () => {
    for (const standIn of started.reverse()) await standIn.stop().catch(() => undefined);
  };
  try {
    const sqsPort = options.sqsPort || (await freePort());
    let sqs = await startSqs(sqsPort, join(options.dataDir, 'sqs'));
    const dynamoDb = await startDynamoDb(options.dynamoDbPort || (await freePort()), join(options.dataDir, 'dynamodb'), options.tableInMemory ?? false);
    started.push(dynamoDb);
    const ses = await startSes(options.sesPort || (await freePort()));
    started.push(ses);

    Object.assign(process.env, {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL_SQS: sqs.url,
      AWS_ENDPOINT_URL_DYNAMODB: dynamoDb.url,
      AWS_ENDPOINT_URL_SES: ses.url,
      // fauxqs serves S3 on the same endpoint as SQS, path-style.
      AWS_ENDPOINT_URL_S3: sqs.url,
      PAYLOAD_BUCKET,
      PAYLOAD_BUCKET_PATH_STYLE: 'true',
      TABLE_NAME,
      QUEUE_NAME_PREFIX,
      QUEUE_VISIBILITY_TIMEOUT_SECONDS: '60',
      ALERT_FROM_ADDRESS: 'alerts@conveyor.local',
      ALLOW_PRIVATE_DESTINATIONS: 'true',
      // No CloudWatch here to read embedded-format metrics: they would only crowd the console.
      POWERTOOLS_METRICS_DISABLED: 'true',
      ...options.environment,
    });
    await ensureTable(dynamoDb.url);
    await ensureBucket(sqs.url);

    // Imported only now: the handlers read their configuration from the environment at load.
    const [{ handler: ingest }, { createDeliveryHandler }, { createAdminApi }, { pausePortsFromEnv }, { probeDueDestinations }, { resolveAllAddresses }, { createLogger }, { createMetrics, meterOver }] =
      await Promise.all([
        import('../lambdas/ingest/handler'),
        import('../lambdas/delivery/app'),
        import('../lambdas/admin/app'),
        import('../lambdas/shared/wiring/pause-ports'),
        import('../lambdas/shared/pauses/prober-pass'),
        import('../lambdas/shared/runtime/dns'),
        import('../lambdas/shared/runtime/logging'),
        import('../lambdas/shared/runtime/metrics'),
      ]);
    const metrics = createMetrics();
    const meter = meterOver(metrics);
    // The mappings call the delivery handler, which needs the mappings to pause: bind it late.
    const late: { deliver?: ReturnType<typeof createDeliveryHandler> } = {};
    const mappings = new LocalEventSourceMappings(
      new SQSClient({ endpoint: sqs.url, useQueueUrlAsEndpoint: false }),
      (event, context) => late.deliver!(event, context),
      join(options.dataDir, 'event-source-mappings.json'),
      DELIVERY_TIMEOUT_MS,
    );
    const deliveryLogger = createLogger('conveyor-delivery');
    late.deliver = createDeliveryHandler(pausePortsFromEnv(mappings, deliveryLogger, meter), deliveryLogger, metrics);
    const adminLogger = createLogger('conveyor-admin');
    const admin = createAdminApi(
      { ...pausePortsFromEnv(mappings, adminLogger, meter), urlPolicy: { allowPrivate: true, resolve: resolveAllAddresses } },
      adminLogger,
      metrics,
    );
    await mappings.resume();
    const prober = startProber(pausePortsFromEnv(mappings, createLogger('conveyor-prober'), meter), probeDueDestinations);

    const { adminToken, generated } = adminTokenFor(options.dataDir, options.adminToken);
    const gateway = await startGateway({ port: options.port ?? 3000, adminToken, ingest, admin });

    return {
      apiUrl: gateway.url,
      adminToken,
      adminTokenGenerated: generated,
      sesUrl: ses.url,
      sqsUrl: sqs.url,
      dynamoDbUrl: dynamoDb.url,
      mappings,
      stopSqs: () => sqs.stop(),
      startSqs: async () => {
        sqs = await startSqs(sqsPort, join(options.dataDir, 'sqs'));
      },
      stop: async () => {
        await prober.stop();
        await gateway.stop();
        await mappings.stopAll();
        await sqs.stop().catch(() => undefined);
        await stopAll();
      },
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
};
