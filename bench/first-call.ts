/**
 * A cold ingest function's first request against its second: the bundle as deployed, imported in
 * a fresh Node process pointed at the running stand-ins (the SDK's `AWS_ENDPOINT_URL_*` variables),
 * handed the event API Gateway's HTTP API would send for `POST /v1/messages`, twice. The first pays
 * what module initialisation does not: the SDK's credential and endpoint resolution, the first
 * connections, the key's and the destination's first reads, the JIT.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleFunction, loadBundle } from '../lib/bundling';
import { ENV } from '../lambdas/shared/runtime/env';
import type { TestConveyor } from '../test/fixtures/conveyor';
import { startReceiver } from '../test/fixtures/receiver';

export interface FirstCall {
  /** Module initialisation, ms. */
  readonly loadMs: number;
  /** The handler's first and second `POST /v1/messages`, ms. */
  readonly firstMs: number;
  readonly secondMs: number;
}

export const measureFirstCall = async (conveyor: TestConveyor): Promise<FirstCall> => {
  const receiver = await startReceiver();
  const outdir = mkdtempSync(join(tmpdir(), 'conveyor-first-call-'));
  try {
    const route = await conveyor.createRoute(receiver.url, 'FirstCall');
    await bundleFunction('ingest', outdir);
    const { config } = conveyor.local;
    const event = {
      version: '2.0',
      routeKey: '$default',
      rawPath: '/v1/messages',
      rawQueryString: '',
      headers: { authorization: `Bearer ${route.source.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ meta: { dataModel: 'FirstCall', eventType: 'Tick' }, data: { n: 1 } }),
      isBase64Encoded: false,
      requestContext: { http: { method: 'POST', path: '/v1/messages' }, requestId: 'first-call', timeEpoch: 0 },
    };
    const context =
      '{ getRemainingTimeInMillis: () => 15000, awsRequestId: "first-call", functionName: "conveyor-ingest" }';
    const call = `(async () => { const times = []; for (let n = 0; n < 2; n++) { const started = performance.now(); const answer = await module.handler(${JSON.stringify(event)}, ${context}); if (answer.statusCode !== 200) throw new Error('ingest answered ' + answer.statusCode); times.push(performance.now() - started); } return JSON.stringify({ loadMs, firstMs: times[0], secondMs: times[1] }); })()`;
    const output = await loadBundle(join(outdir, 'index.mjs'), `await ${call}`, {
      AWS_ENDPOINT_URL_SQS: conveyor.local.sqsUrl,
      AWS_ENDPOINT_URL_DYNAMODB: conveyor.local.dynamoDbUrl,
      [ENV.TABLE_NAME]: config.store.tableName,
      [ENV.QUEUE_NAME_PREFIX]: config.store.queues.namePrefix,
      [ENV.PAYLOAD_BUCKET]: config.store.payloadBucket,
    });
    return JSON.parse(output) as FirstCall;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
    await receiver.close();
  }
};
