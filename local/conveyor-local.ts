/**
 * Conveyor on one machine: the stand-ins, the HTTP API on 127.0.0.1 and one poller per destination
 * queue, all calling the same app factories, over the same wiring, as the handlers on AWS. Only
 * API Gateway, the event-source mappings and the prober's schedule, which have no stand-in, are
 * emulated here. The configuration is built, typed, from the stand-ins' endpoints and the given
 * environment; nothing is written to this process's environment.
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { BucketAlreadyExists, BucketAlreadyOwnedByYou, CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createAdminApi } from '../lambdas/admin/app';
import { createDeliveryHandler } from '../lambdas/delivery/app';
import { createIngestApi } from '../lambdas/ingest/app';
import { createProberHandler } from '../lambdas/prober/app';
import { TABLE_SCHEMA } from '../lambdas/shared/adapters/dynamodb/keys';
import type { Environment } from '../lambdas/shared/runtime/env';
import { createLogger } from '../lambdas/shared/runtime/logging';
import { createMetrics, meterOver } from '../lambdas/shared/runtime/metrics';
import { createBacklogPorts } from '../lambdas/shared/wiring/backlog-ports';
import { type AwsClients, clientSettings, createAwsClients, createSqsClient } from '../lambdas/shared/wiring/clients';
import { createAdminPorts, createPausePorts } from '../lambdas/shared/wiring/pause-ports';
import { createProberLease, createProberPorts } from '../lambdas/shared/wiring/prober-ports';
import { createStorePorts } from '../lambdas/shared/wiring/store-ports';
import { startGateway } from './api-gateway';
import { LocalEventSourceMappings } from './event-source-mappings';
import { type AppliedFidelity, applyFidelity } from './fidelity/misbehave';
import { type LocalConfig, localConfig } from './local-config';
import { LOCAL_PROBER_RUN, scheduleProber } from './prober-schedule';
import { reservePort } from './port-reservation';
import { type StandIn, startDynamoDb, startSes, startSqs } from './stand-ins';
import { FUNCTION_TIMEOUT_SECONDS } from '../lambdas/shared/runtime/function-timeouts';

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
  /**
   * The environment the functions' settings are read from, by their own readers (e.g. shorter
   * timeouts in tests; `npm start` passes its own). The stand-ins' endpoints and names are not
   * read from it. @default {}
   */
  readonly environment?: Environment;
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
  /** What the functions were composed with. */
  readonly config: LocalConfig;
  /** The SDK clients the functions share (benchmarks count their requests). */
  readonly clients: AwsClients;
  /** How kind the runtime is (`CONVEYOR_LOCAL_FIDELITY`), its seed, and what it has done. */
  readonly fidelity: AppliedFidelity;
  readonly mappings: LocalEventSourceMappings;
  /** Stops or restarts the SQS stand-in alone (durability tests). */
  stopSqs(): Promise<void>;
  startSqs(): Promise<void>;
  stop(): Promise<void>;
}

/** The delivery function's timeout on AWS: how long one batch may take. */
const DELIVERY_TIMEOUT_MS = FUNCTION_TIMEOUT_SECONDS.delivery * 1000;

const ensureBucket = async (config: LocalConfig) => {
  const client = new S3Client({ ...clientSettings(config.clients, 's3'), forcePathStyle: true });
  try {
    await client.send(new CreateBucketCommand({ Bucket: config.store.payloadBucket }));
  } catch (error) {
    if (!(error instanceof BucketAlreadyOwnedByYou) && !(error instanceof BucketAlreadyExists)) throw error;
  } finally {
    client.destroy();
  }
};

const ensureTable = async (config: LocalConfig) => {
  const client = new DynamoDBClient(clientSettings(config.clients, 'dynamodb'));
  const TableName = config.store.tableName;
  try {
    await client.send(new DescribeTableCommand({ TableName }));
  } catch (error) {
    if (!(error instanceof ResourceNotFoundException)) throw error;
    await client.send(
      new CreateTableCommand({
        TableName,
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
        TableName,
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

/** One function's logger and metrics, as its handler module creates them on AWS. */
const observe = (serviceName: string, config: LocalConfig) => {
  const logger = createLogger(serviceName, config.observe);
  const metrics = createMetrics(config.observe);
  return { logger, metrics, meter: meterOver(metrics) };
};

/** The four functions over one set of clients, composed as their handler modules compose them. */
const composeFunctions = (config: LocalConfig, clients: AwsClients, mappings: LocalEventSourceMappings) => {
  const ingest = observe('conveyor-ingest', config);
  const delivery = observe('conveyor-delivery', config);
  const admin = observe('conveyor-admin', config);
  const prober = observe('conveyor-prober', config);
  const edges = (of: ReturnType<typeof observe>) => ({ mappings, log: of.logger, meter: of.meter });
  return {
    ingest: createIngestApi(
      { ...createStorePorts(clients, config.store), ...config.ingest },
      ingest.logger,
      ingest.metrics,
    ),
    // Delivery gets no mappings: it never calls the control plane (the reconciler alone does).
    deliver: createDeliveryHandler(
      createPausePorts(clients, config, { log: delivery.logger, meter: delivery.meter }),
      delivery.logger,
      delivery.metrics,
    ),
    admin: createAdminApi(
      createAdminPorts(clients, config, { ...edges(admin), ...config.admin }),
      admin.logger,
      admin.metrics,
    ),
    prober: createProberHandler(
      { ...createProberPorts(clients, config, edges(prober)), ...createBacklogPorts(clients, config.store) },
      prober.logger,
      prober.metrics,
      LOCAL_PROBER_RUN,
    ),
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
    const sqsPort = options.sqsPort || (await reservePort());
    let sqs = await startSqs(sqsPort, join(options.dataDir, 'sqs'));
    const dynamoDb = await startDynamoDb(
      options.dynamoDbPort || (await reservePort()),
      join(options.dataDir, 'dynamodb'),
      options.tableInMemory ?? false,
    );
    started.push(dynamoDb);
    const ses = await startSes(options.sesPort || (await reservePort()));
    started.push(ses);

    const config = localConfig({ sqs: sqs.url, dynamoDb: dynamoDb.url, ses: ses.url }, options.environment);
    await ensureTable(config);
    await ensureBucket(config);

    const clients = createAwsClients(config.clients);
    const fidelity = applyFidelity(config.fidelity, clients);
    // The mappings call the delivery handler, which needs the mappings to pause: bind it late.
    const late: { deliver?: ReturnType<typeof composeFunctions>['deliver'] } = {};
    const mappings = new LocalEventSourceMappings(
      createSqsClient(config.clients),
      (event, context) => late.deliver!(event, context),
      join(options.dataDir, 'event-source-mappings.json'),
      DELIVERY_TIMEOUT_MS,
      // `aws`: changes delayed and throttled, updates refused during a transition, as AWS does.
      { fidelity: fidelity.mode, random: fidelity.random ?? Math.random },
    );
    const functions = composeFunctions(config, clients, mappings);
    late.deliver = functions.deliver;
    await mappings.resume();
    // This process runs the only prober schedule of its data: a lease found now is a killed run's.
    await createProberLease(clients, config.store).clear();
    const prober = scheduleProber(functions.prober);

    const { adminToken, generated } = adminTokenFor(options.dataDir, options.adminToken);
    const gateway = await startGateway({
      port: options.port ?? 3000,
      adminToken,
      ingest: functions.ingest,
      admin: functions.admin,
    });

    return {
      apiUrl: gateway.url,
      adminToken,
      adminTokenGenerated: generated,
      sesUrl: ses.url,
      sqsUrl: sqs.url,
      dynamoDbUrl: dynamoDb.url,
      config,
      clients,
      fidelity,
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
