/**
 * What a handler-level test gives a function's middy stack in place of AWS: a Lambda context, API
 * Gateway (HTTP API, payload 2.0), SQS and EventBridge events, and the function's own output
 * (Powertools writes logs and embedded-format metrics to stdout), captured instead of printed.
 */
import type { APIGatewayProxyEventV2, Context, EventBridgeEvent, SQSEvent, SQSRecord } from 'aws-lambda';
import { interceptOutput } from '../fixtures/output';

/** A Lambda context whose remaining time is what `remainingMs` says (a minute unless told). */
export const lambdaContext = (functionName: string, remainingMs: () => number = () => 60_000): Context => ({
  callbackWaitsForEmptyEventLoop: false,
  functionName,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
  memoryLimitInMB: '1024',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  logGroupName: `/aws/lambda/${functionName}`,
  logStreamName: '2026/11/26/[$LATEST]0123456789abcdef',
  getRemainingTimeInMillis: remainingMs,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

export interface ApiRequest {
  readonly headers?: Record<string, string>;
  readonly body?: string;
  readonly query?: Record<string, string>;
}

/** A request as API Gateway's HTTP API hands it to the function: lowercased headers, no path parameters yet. */
export const apiEvent = (method: string, path: string, request: ApiRequest = {}): APIGatewayProxyEventV2 =>
  ({
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: new URLSearchParams(request.query ?? {}).toString(),
    headers: Object.fromEntries(
      Object.entries(request.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
    ),
    queryStringParameters: request.query,
    body: request.body,
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.org',
      domainPrefix: 'api',
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'test' },
      requestId: 'request-1',
      routeKey: '$default',
      stage: '$default',
      time: '26/Nov/2026:10:00:00 +0000',
      timeEpoch: Date.parse('2026-11-26T10:00:00.000Z'),
      // Admin routes are IAM-authorized on AWS: API Gateway puts the caller's principal here.
      ...(path.startsWith('/v1/admin/') ? { authorizer: { iam: { userArn: OPERATOR_ARN } } } : {}),
    },
  }) as APIGatewayProxyEventV2;

/** The IAM principal of the admin requests `apiEvent` builds. */
export const OPERATOR_ARN = 'arn:aws:iam::123456789012:user/operator';

/** One record of a destination's FIFO queue, as the event-source mapping delivers it. */
export const sqsRecord = (messageId: string, body: string, groupId: string): SQSRecord => ({
  messageId,
  receiptHandle: `receipt-${messageId}`,
  body,
  attributes: {
    ApproximateReceiveCount: '1',
    SentTimestamp: '1795000000000',
    SenderId: 'AIDAEXAMPLE',
    ApproximateFirstReceiveTimestamp: '1795000000001',
    SequenceNumber: '18849496460467696128',
    MessageGroupId: groupId,
    MessageDeduplicationId: messageId,
  },
  messageAttributes: {},
  md5OfBody: 'md5',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:conveyor-destination.fifo',
  awsRegion: 'eu-west-1',
});

export const sqsEvent = (records: SQSRecord[]): SQSEvent => ({ Records: records });

/** The event the prober's EventBridge rule sends once a minute (the handler does not read it). */
export const scheduledEvent = (): EventBridgeEvent<'Scheduled Event', Record<string, never>> => ({
  version: '0',
  id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: '123456789012',
  time: '2026-11-26T10:00:00Z',
  region: 'eu-west-1',
  resources: ['arn:aws:events:eu-west-1:123456789012:rule/conveyor-prober'],
  detail: {},
});

/** What the function wrote to stdout and stderr while captured: its log entries and its metrics. */
export interface CapturedOutput {
  /** Everything written, as written. */
  text(): string;
  /** Each line that is a JSON object (Powertools writes one per log entry or metrics flush). */
  entries(): Array<Record<string, any>>;
  /** Log entries (those with a `message`), in the order written. */
  logs(): Array<Record<string, any>>;
  /** Embedded-metric-format documents (those with `_aws`), one per publication. */
  metrics(): Array<Record<string, any>>;
  restore(): void;
}

/** Captures this process's stdout and stderr until `restore`, keeping them off the test output. */
export const captureOutput = (): CapturedOutput => {
  const chunks: string[] = [];
  const { restore } = interceptOutput((text) => {
    chunks.push(text);
    return true;
  });
  const entries = () =>
    chunks
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, any>);
  return {
    text: () => chunks.join(''),
    entries,
    logs: () => entries().filter((entry) => typeof entry.message === 'string'),
    metrics: () => entries().filter((entry) => entry._aws !== undefined),
    restore,
  };
};
