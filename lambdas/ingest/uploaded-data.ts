/**
 * The steps of `POST /v1/messages` that are particular to `dataUpload`: find the upload, read and
 * check its document, take it for the message. `acceptMessage` runs them around its own steps,
 * cheap checks first (the record, then routing), the 50 MB read after.
 */
import type { PayloadReference } from '../shared/domain/envelope';
import { invalidUpload, notAccepted, uploadIncomplete, uploadNotFound, uploadUsed } from '../shared/domain/errors';
import type { Source } from '../shared/domain/model';
import { type UploadRecord, uploadObjectKey } from '../shared/domain/uploads';
import { errorFields } from '../shared/runtime/logging';
import type { Clock, Log } from '../shared/ports/observe';
import type { UploadObjects, UploadRecords } from '../shared/ports/uploads';

/** What the upload steps take. */
export interface UploadedDataPorts {
  readonly uploads: UploadRecords;
  readonly uploadObjects: UploadObjects;
  readonly clock: Clock;
  readonly log: Log;
}

/**
 * The record of the upload `uploadId`, which `source` may use now: 404 `upload_not_found` when
 * there is none, it is another source's or no longer usable (`usableUntil` passed, whether or not
 * TTL swept it yet: one answer for all three); 409 `upload_used` when a message took it already.
 */
export const findUpload = async (source: Source, uploadId: string, ports: UploadedDataPorts): Promise<UploadRecord> => {
  const upload = await ports.uploads.get(uploadId);
  if (
    upload === undefined ||
    upload.sourceId !== source.id ||
    Date.parse(upload.usableUntil) <= ports.clock().getTime()
  ) {
    throw uploadNotFound(uploadId);
  }
  if (upload.messageId !== undefined) throw uploadUsed();
  return upload;
};

/**
 * Reads the uploaded document and checks it, returning the reference the queue entries carry
 * (its key, size and the ETag of the bytes checked): 409 `upload_incomplete` when nothing is
 * there yet or it holds another number of bytes than announced (also where the stand-in let a
 * PUT of another length through, which S3 refuses); 400 `invalid_upload` when the document breaks
 * a rule (`checkJsonDocument`), read as a stream and given up at the first rule broken.
 * @throws the adapter's error when S3 fails or the download breaks off (the caller answers 503)
 */
export const readUpload = async (upload: UploadRecord, ports: UploadedDataPorts): Promise<PayloadReference> => {
  // Loaded on first use: its streaming parser is for uploads only, not read at every cold start.
  const { checkJsonDocument, JsonDocumentError } = await import('../shared/domain/json-document');
  const key = uploadObjectKey(upload.sourceId, upload.uploadId);
  const object = await ports.uploadObjects.open(key);
  if (object === undefined) throw uploadIncomplete('Nothing has been uploaded to this upload yet.');
  if (object.contentLength !== upload.contentLength) {
    object.discard();
    throw uploadIncomplete(
      `The upload holds ${object.contentLength.toLocaleString('en-US')} bytes, not the ${upload.contentLength.toLocaleString('en-US')} it announced.`,
    );
  }
  let bytes: number;
  try {
    bytes = await checkJsonDocument(object.body);
  } catch (error) {
    object.discard();
    if (error instanceof JsonDocumentError) {
      throw invalidUpload(error.message.replace(/^The document/, 'The uploaded document (dataUpload)'));
    }
    throw error;
  }
  // The stream ended short of its announced length without an error: not the document S3 holds.
  if (bytes !== upload.contentLength) throw new Error(`Read ${bytes} of the upload's ${upload.contentLength} bytes`);
  return { key, bytes, etag: object.etag };
};

/**
 * Takes the upload for `messageId` (409 `upload_used` when another message took it first: the
 * claim is one conditional write) and tags its object used, so the rule that deletes unused
 * uploads after a day spares it. A failed tagging gives the upload back and answers 503: an
 * acknowledged message whose payload the rule could delete must not exist.
 */
export const takeUpload = async (
  upload: UploadRecord,
  reference: PayloadReference,
  messageId: string,
  ports: UploadedDataPorts,
): Promise<void> => {
  if (!(await ports.uploads.claim(upload.uploadId, messageId))) throw uploadUsed();
  try {
    await ports.uploadObjects.markUsed(reference.key);
  } catch (error) {
    ports.log.error('Upload could not be tagged used', { messageId, uploadId: upload.uploadId, ...errorFields(error) });
    await releaseUpload(upload, messageId, ports);
    throw notAccepted('The payload store did not confirm the upload as used.');
  }
};

/**
 * Gives the upload back after its message was not acknowledged, so the sender's retry can use it.
 * Best effort. Its object keeps the `used` tag: the message may have been recorded after all (an
 * answer lost), and then the object is its payload, which the unused-upload rule must not delete;
 * the payload retention deletes it in the end either way.
 */
export const releaseUpload = async (upload: UploadRecord, messageId: string, ports: UploadedDataPorts) => {
  await ports.uploads.release(upload.uploadId, messageId).catch((error: unknown) => {
    ports.log.warn('Could not give the upload back; a retry of the message gets upload_used', {
      messageId,
      uploadId: upload.uploadId,
      ...errorFields(error),
    });
  });
};
