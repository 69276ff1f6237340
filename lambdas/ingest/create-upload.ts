import { newId } from '../shared/domain/ids';
import type { Source } from '../shared/domain/model';
import { parseRequest, uploadRequestSchema } from '../shared/domain/schemas';
import { type PresignedUpload, UPLOAD_URL_SECONDS, uploadObjectKey } from '../shared/domain/uploads';
import type { Clock, Log } from '../shared/ports/observe';
import type { UploadObjects, UploadRecords } from '../shared/ports/uploads';

/** What `createUpload` takes: its ports and its setting. */
export interface CreateUploadPorts {
  readonly uploads: Pick<UploadRecords, 'create'>;
  readonly uploadObjects: Pick<UploadObjects, 'presignPut'>;
  readonly clock: Clock;
  readonly log: Log;
  /** How long after its creation an upload can serve a message, in seconds (`DEFAULT_UPLOAD_USABLE_SECONDS`). */
  readonly uploadUsableSeconds: number;
}

/**
 * `POST /v1/uploads`: a presigned URL for one document of `contentLength` bytes, which a later
 * `POST /v1/messages` of the same source names as `dataUpload`.
 *
 * 1. Validate the body (400 `invalid_request`: `contentLength` an integer from 1 to
 *    `MAX_UPLOAD_BYTES`).
 * 2. Record the upload (source, size, created, usable until): before the URL exists, so any
 *    object under its key has a record.
 * 3. Presign a PUT of exactly that many bytes to `uploads/<sourceId>/<uploadId>`, valid
 *    `UPLOAD_URL_SECONDS` (or less: see `S3UploadObjects`), and answer it.
 *
 * `body` is the request's JSON object, already parsed. A failing dependency is thrown as it is
 * (500: nothing an integrator can act on, except asking again).
 */
export const createUpload = async (
  source: Source,
  body: Record<string, unknown>,
  ports: CreateUploadPorts,
): Promise<PresignedUpload> => {
  const { contentLength } = parseRequest(uploadRequestSchema, body);
  const uploadId = newId('upload');
  const createdAt = ports.clock();
  await ports.uploads.create({
    uploadId,
    sourceId: source.id,
    contentLength,
    createdAt: createdAt.toISOString(),
    usableUntil: new Date(createdAt.getTime() + ports.uploadUsableSeconds * 1000).toISOString(),
  });
  const presigned = await ports.uploadObjects.presignPut(
    uploadObjectKey(source.id, uploadId),
    contentLength,
    UPLOAD_URL_SECONDS,
  );
  ports.log.info('Upload created', { uploadId, sourceId: source.id, contentLength });
  return { uploadId, method: 'PUT', ...presigned };
};
