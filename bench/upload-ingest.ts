/**
 * Large documents through uploads, on the local stand-ins: for documents of 1, 20 and 50 MB (and
 * 50 MB in one string), the ingest handler's time and peak memory validating and accepting a
 * message that names the upload (each in a fresh process, as a Lambda environment:
 * bench/upload-ingest-child.ts), then how long each document takes to reach a local receiver,
 * byte for byte. The ingest function's memory
 * setting (lib/constructs/ingest-api.ts) is chosen from these figures.
 *
 * Run: `npm run bench` (all benchmarks, this one last), or alone: npx tsx bench/upload-ingest.ts
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { type LocalConveyor, startConveyorLocal } from '../local/conveyor-local';
import { reservePort } from '../local/port-reservation';
import type { PresignedUpload } from '../lambdas/shared/domain/uploads';

const MB = 1_000_000;

/**
 * A document of about `bytes` bytes shaped like a large clinical export: an array of records with
 * ids, names with accents, short notes and numbers (many small tokens: the worst case per byte for
 * the streaming check's time).
 */
const recordsOf = (bytes: number): Buffer => {
  const records: string[] = [];
  let size = 2;
  for (let index = 0; ; index++) {
    const record = `{"id":${index},"mrn":"MRN${String(index).padStart(8, '0')}","name":"Zoë Roe ${index}","note":"${'x'.repeat(60)}","values":[1.50,2,-3e2,null,true]}`;
    if (size + Buffer.byteLength(record) + 1 > bytes) break;
    records.push(record);
    size += Buffer.byteLength(record) + 1;
  }
  return Buffer.from(`[${records.join(',')}]`, 'utf8');
};

/**
 * A document of `bytes` bytes that is one string of non-ASCII text (an embedded file, say): the
 * worst case for the check's memory, as the tokenizer holds a string value whole.
 */
const oneStringOf = (bytes: number): Buffer => Buffer.from(`"${'é'.repeat((bytes - 2) / 2)}"`, 'utf8');

/** The documents measured: 1, 20 and 50 MB of records, and 50 MB in one string. */
const CASES = [
  { label: '1 MB', document: () => recordsOf(1 * MB) },
  { label: '20 MB', document: () => recordsOf(20 * MB) },
  { label: '50 MB', document: () => recordsOf(50 * MB) },
  { label: '50 MB in one string', document: () => oneStringOf(50 * MB) },
] as const;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * A receiver that answers as soon as the body is in, so the delivery's time is the transfer's,
 * keeping only the size of each body and the digest of its `data`.
 */
const startHashingReceiver = async () => {
  /** `at`: epoch ms, comparable with the child process's acknowledgement. */
  const received: Array<{ bytes: number; dataSha256: string; at: number }> = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const at = Date.now();
      response.writeHead(200).end();
      const body = Buffer.concat(chunks);
      const dataStart = body.indexOf(',"data":') + ',"data":'.length;
      received.push({ bytes: body.length, dataSha256: sha256(body.subarray(dataStart, -1)), at });
    });
  });
  const port = await reservePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

/** One JSON request to the local API; the answer's body (throws unless its status is `expected`). */
const call = async <T = { id: string }>(
  local: LocalConveyor,
  path: string,
  body: unknown,
  authorization: string,
  expected: number,
  method = 'POST',
): Promise<T> => {
  const response = await fetch(`${local.apiUrl}${path}`, {
    method,
    headers: { authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== expected) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
  return JSON.parse(text) as T;
};

/** An upload of `document` by the source of `apiKey`, PUT as an integrator would; its id. */
const uploaded = async (local: LocalConveyor, apiKey: string, document: Buffer): Promise<string> => {
  const upload = await call<PresignedUpload>(
    local,
    '/v1/uploads',
    { contentLength: document.length },
    `Bearer ${apiKey}`,
    201,
  );
  const put = await fetch(upload.url, { method: upload.method, headers: upload.headers, body: document });
  if (put.status !== 200) throw new Error(`The PUT answered ${put.status}`);
  return upload.uploadId;
};

const waitFor = async (condition: () => boolean, what: string, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(20);
  }
};

/** Prints one line per document size for ingest, and one for its delivery. */
export const measureUploads = async (): Promise<void> => {
  const dataDir = mkdtempSync(join(tmpdir(), 'conveyor-bench-uploads-'));
  // The table in memory, as the other benchmarks keep it (see bench/run.ts).
  const local = await startConveyorLocal({
    dataDir,
    fresh: true,
    port: 0,
    adminToken: 'bench-admin-token',
    environment: { POWERTOOLS_LOG_LEVEL: 'SILENT' },
    tableInMemory: true,
  });
  const receiver = await startHashingReceiver();
  try {
    const admin = `Bearer ${local.adminToken}`;
    const organization = await call(
      local,
      '/v1/admin/organizations',
      { name: 'Bench', alertEmail: 'ops@bench.example' },
      admin,
      201,
    );
    const source = await call<{ id: string; apiKey: string }>(
      local,
      `/v1/admin/organizations/${organization.id}/sources`,
      { name: 'EHR' },
      admin,
      201,
    );
    const destination = await call(
      local,
      `/v1/admin/organizations/${organization.id}/destinations`,
      { name: 'Archive', url: receiver.url, timeoutMs: 30_000 },
      admin,
      201,
    );
    await call(
      local,
      '/v1/admin/subscriptions',
      { sourceId: source.id, destinationId: destination.id, dataModel: 'Bench' },
      admin,
      201,
    );
    const endpoints = { sqs: local.sqsUrl, dynamoDb: local.dynamoDbUrl, ses: local.sesUrl };

    for (const [caseIndex, { label, document: make }] of CASES.entries()) {
      const document = make();
      const warmUploadId = await uploaded(local, source.apiKey, Buffer.from('{"warm":true}'));
      const uploadId = await uploaded(local, source.apiKey, document);
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          '--import',
          'tsx',
          'bench/upload-ingest-child.ts',
          JSON.stringify({ endpoints, apiKey: source.apiKey, warmUploadId, uploadId }),
        ],
        { maxBuffer: 1024 * 1024 },
      );
      const ingest = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
        ms: number;
        warmRssMb: number;
        peakRssMb: number;
        acknowledgedAt: number;
        transmissionId: string;
      };
      console.log(
        `upload ingest ${label} (${document.length.toLocaleString('en-US')} bytes): validate + accept ${ingest.ms} ms, ` +
          `process memory ${ingest.warmRssMb} MB warm, ${ingest.peakRssMb} MB peak`,
      );

      // Two deliveries per size (the warm-up's and this one), in order.
      const index = caseIndex * 2 + 1;
      await waitFor(() => receiver.received.length > index, `the ${label} delivery`, 300_000);
      const delivered = receiver.received[index]!;
      const dataIntact = delivered.dataSha256 === sha256(document);
      // The delivering attempt, once its arrival is recorded (a moment after the receiver answered).
      let attempt: { outcome: string; durationMs: number } | undefined;
      for (let tries = 0; attempt === undefined && tries < 500; tries++) {
        const detail = await call<{ attemptLog: Array<{ outcome: string; durationMs: number }> }>(
          local,
          `/v1/admin/transmissions/${ingest.transmissionId}`,
          undefined,
          admin,
          200,
          'GET',
        );
        attempt = detail.attemptLog.find(({ outcome }) => outcome === 'delivered');
        if (attempt === undefined) await sleep(20);
      }
      if (attempt === undefined) throw new Error('The delivery was never recorded');
      console.log(
        `upload delivery ${label}: POST of ${delivered.bytes.toLocaleString('en-US')} bytes ${attempt.outcome} in ${attempt.durationMs} ms ` +
          `(${delivered.at - ingest.acknowledgedAt} ms from the acknowledgement to the last byte, queue pickup included)` +
          (dataIntact ? ', data byte for byte' : ', DATA DIFFERS'),
      );
    }
  } finally {
    await receiver.close();
    await local.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
};

// Run alone (npx tsx bench/upload-ingest.ts) as well as from bench/run.ts.
if (process.argv[1]?.endsWith('upload-ingest.ts')) {
  measureUploads().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
