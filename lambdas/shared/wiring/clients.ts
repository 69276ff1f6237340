/**
 * The SDK clients the functions share, created once per composition (once per module load on
 * AWS), so every invocation of a warm Lambda reuses their connections. On AWS the config is empty
 * and the SDK finds the region and credentials of the function; the local runtime gives the
 * stand-ins' endpoints and local credentials explicitly.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** A service Conveyor calls, by the name of its endpoint. */
export type AwsService = 'sqs' | 'dynamodb' | 'ses' | 's3' | 'lambda';

export interface AwsClientConfig {
  /** @default the SDK's (the function's region on AWS) */
  readonly region?: string;
  /** @default the SDK's credential chain (the function's role on AWS) */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  /** An endpoint per service. @default the service's AWS endpoint in the region */
  readonly endpoints?: Partial<Readonly<Record<AwsService, string>>>;
  /** Address S3 buckets path-style (a stand-in serving S3 on one host). @default false */
  readonly s3ForcePathStyle?: boolean;
}

/** What every SDK client of `service` is given: region, credentials and endpoint, where set. */
export const clientSettings = (config: AwsClientConfig, service: AwsService) => ({
  ...(config.region === undefined ? {} : { region: config.region }),
  ...(config.credentials === undefined ? {} : { credentials: config.credentials }),
  ...(config.endpoints?.[service] === undefined ? {} : { endpoint: config.endpoints[service] }),
});

export interface AwsClients {
  readonly sqs: SQSClient;
  readonly documents: DynamoDBDocumentClient;
  /** The config the clients created on first use (SES, S3, Lambda) are given. */
  readonly config: AwsClientConfig;
}

/**
 * An SQS client. Requests go to the configured endpoint, not to the host inside a queue URL (they
 * are the same on AWS; locally the stand-in's queue URLs name hosts that need not resolve).
 */
export const createSqsClient = (config: AwsClientConfig): SQSClient =>
  new SQSClient({ ...clientSettings(config, 'sqs'), useQueueUrlAsEndpoint: false });

export const createAwsClients = (config: AwsClientConfig = {}): AwsClients => ({
  sqs: createSqsClient(config),
  documents: DynamoDBDocumentClient.from(new DynamoDBClient(clientSettings(config, 'dynamodb')), {
    marshallOptions: { removeUndefinedValues: true },
  }),
  config,
});
