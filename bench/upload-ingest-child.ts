/**
 * One ingest "Lambda environment" for bench/upload-ingest.ts: a fresh Node process that composes
 * the ingest handler as `lambdas/ingest/handler.ts` does (over the stand-ins the parent runs),
 * warms it up with a small upload, then sends one message naming the measured upload. Prints one
 * line of JSON: the handler's time (ms) and the process's resident memory before it and at its
 * peak during it (MB; Linux only: /proc).
 *
 * Argument: JSON `{ endpoints, apiKey, warmUploadId, uploadId }`.
 */
import { createIngestApi } from '../lambdas/ingest/app';
import { createLogger } from '../lambdas/shared/runtime/logging';
import { createMetrics } from '../lambdas/shared/runtime/metrics';
import { createAwsClients } from '../lambdas/shared/wiring/clients';
import { createStorePorts } from '../lambdas/shared/wiring/store-ports';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { readFileSync, writeFileSync } from 'node:fs';
import { localContext } from '../local/lambda-context';
import { localConfig, type StandInEndpoints } from '../local/local-config';

const { endpoints, apiKey, warmUploadId, uploadId } = JSON.parse(process.argv[2]!) as {
  endpoints: StandInEndpoints;
  apiKey: string;
  warmUploadId: string;
  uploadId: string;
};

const config = localConfig(endpoints, { POWERTOOLS_LOG_LEVEL: 'SILENT' });
const handler = createIngestApi(
  { ...createStorePorts(createAwsClients(config.clients), config.store), ...config.ingest },
  createLogger('conveyor-ingest', config.observe),
  createMetrics(config.observe),
);

const send = async (dataUpload: string) => {
  // The event API Gateway's HTTP API would hand the function (payload format 2.0).
  const event = {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/v1/messages',
    rawQueryString: '',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ meta: { dataModel: 'Bench', eventType: 'Upload' }, dataUpload }),
    isBase64Encoded: false,
    requestContext: { http: { method: 'POST', path: '/v1/messages' }, requestId: 'bench', timeEpoch: Date.now() },
  } as unknown as APIGatewayProxyEventV2;
  // The ingest function's timeout on AWS: 15 s.
  const answer = await handler(event, localContext('conveyor-ingest', 15_000));
  if (answer.statusCode !== 200) throw new Error(`Ingest answered ${answer.statusCode}: ${answer.body}`);
  return JSON.parse(answer.body!) as { messageId: string; transmissions: Array<{ id: string }> };
};

const megabytes = (bytes: number) => Math.round((bytes / 1e6) * 10) / 10;

/**
 * The kernel's high-water mark of this process's resident set (Linux `VmHWM`), which is what
 * Lambda reports as "Max Memory Used". Reset first (`clear_refs` 5), as it is after a warm-up:
 * loading and compiling the TypeScript (tsx) peaks far above anything an invocation does.
 */
const resetPeakRss = () => writeFileSync('/proc/self/clear_refs', '5');
const peakRssBytes = () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) * 1024;

const main = async () => {
  await send(warmUploadId);
  const warmRssMb = megabytes(process.memoryUsage().rss);
  resetPeakRss();
  const started = performance.now();
  const accepted = await send(uploadId);
  const ms = Math.round(performance.now() - started);
  const peakRssMb = megabytes(peakRssBytes());
  const acknowledgedAt = Date.now();
  console.log(
    JSON.stringify({ ms, warmRssMb, peakRssMb, acknowledgedAt, transmissionId: accepted.transmissions[0]!.id }),
  );
};

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
