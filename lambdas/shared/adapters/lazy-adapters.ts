/**
 * The SES, Lambda and S3 adapters, loaded on first use. Functions need SES only to alert, Lambda
 * only to reconcile mappings (the prober) or register a destination (admin), and S3 holds only payloads too
 * large for a queue; loading their SDK clients up front would add to every cold start for calls
 * most invocations never make (uploads' objects likewise: only `POST /v1/uploads` and messages
 * naming an upload touch them). Each takes the config its client is created with when first used
 * (empty on AWS; the stand-in's endpoint and credentials locally).
 */
import type { LambdaClientConfig } from '@aws-sdk/client-lambda';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import type { SESClientConfig } from '@aws-sdk/client-ses';
import type { EventSourceMappings } from '../ports/queues';
import type { Mailer } from '../ports/alerts';
import type { Clock } from '../ports/observe';
import type { PayloadStore } from '../ports/payloads';
import type { PayloadArchive } from '../ports/redeliveries';
import type { UploadObjects } from '../ports/uploads';

const once = <T>(load: () => Promise<T>): (() => Promise<T>) => {
  let loaded: Promise<T> | undefined;
  return () => {
    loaded ??= load().catch((error: unknown) => {
      loaded = undefined; // a failed load is tried again next time
      throw error;
    });
    return loaded;
  };
};

/**
 * Event-source mappings over the Lambda API (see `LambdaEventSourceMappings` for `options`: the
 * delivery function, needed to create and list them, and this function's share of the control plane).
 */
export const lazyEventSourceMappings = (
  options: { readonly deliveryFunctionArn?: string; readonly callsPerSecond: number },
  clientConfig: LambdaClientConfig = {},
): EventSourceMappings => {
  // Through our own module, which names only the commands it uses, so the bundle keeps only those.
  const mappings = once(async () =>
    (await import('./lambda-event-source-mappings')).createLambdaEventSourceMappings(options, clientConfig),
  );
  return {
    create: async (queueArn) => (await mappings()).create(queueArn),
    describe: async (mappingId) => (await mappings()).describe(mappingId),
    list: async () => (await mappings()).list(),
    setEnabled: async (mappingId, enabled) => (await mappings()).setEnabled(mappingId, enabled),
    remove: async (mappingId) => (await mappings()).remove(mappingId),
  };
};

/** Alert emails through SES from `fromAddress`. */
export const lazySesMailer = (fromAddress: string, clientConfig: SESClientConfig = {}): Mailer => {
  const mailer = once(async () => (await import('./ses-mailer')).createSesMailer(fromAddress, clientConfig));
  return { send: async (email) => (await mailer()).send(email) };
};

/** Delivered payloads kept in the bucket `bucket` (see `S3PayloadArchive`). */
export const lazyPayloadArchive = (bucket: string, clientConfig: S3ClientConfig = {}): PayloadArchive => {
  const archive = once(async () => (await import('./s3-payload-archive')).createS3PayloadArchive(bucket, clientConfig));
  return {
    keep: async (messageId, payload) => (await archive()).keep(messageId, payload),
    restore: async (messageId, maxInlineBytes) => (await archive()).restore(messageId, maxInlineBytes),
  };
};

/** Large payloads in the bucket `bucket`. */
export const lazyPayloadStore = (bucket: string, clientConfig: S3ClientConfig = {}): PayloadStore => {
  const store = once(async () => (await import('./s3-payload-store')).createS3PayloadStore(bucket, clientConfig));
  return {
    put: async (messageId, rawData) => (await store()).put(messageId, rawData),
    get: async (reference) => (await store()).get(reference),
    remove: async (reference) => (await store()).remove(reference),
  };
};

/** Uploads' objects in the bucket `bucket` (presigned PUTs, reads, tags), timed by `clock`. */
export const lazyUploadObjects = (bucket: string, clientConfig: S3ClientConfig, clock: Clock): UploadObjects => {
  const objects = once(async () =>
    (await import('./s3-upload-objects')).createS3UploadObjects(bucket, clientConfig, clock),
  );
  return {
    presignPut: async (key, contentLength, validSeconds) =>
      (await objects()).presignPut(key, contentLength, validSeconds),
    open: async (key) => (await objects()).open(key),
    markUsed: async (key) => (await objects()).markUsed(key),
  };
};
