/** The upload ports: the uploads' objects (S3) and their records (the table). */
import type { PresignedUpload, UploadRecord } from '../domain/uploads';

/** An uploaded object opened for reading: its size and ETag, and its bytes as they stream in. */
export interface OpenedUpload {
  /** The object's size, in bytes. */
  readonly contentLength: number;
  /** The ETag of the bytes `body` streams (the object as it was when opened). */
  readonly etag: string;
  readonly body: AsyncIterable<Uint8Array>;
  /** Stops the download (a document refused early is not read to its end). */
  discard(): void;
}

/** The objects of uploads, in the payload bucket, under `uploads/<sourceId>/<uploadId>`. */
export interface UploadObjects {
  /**
   * A presigned PUT of exactly `contentLength` bytes to `key`, valid for `validSeconds` from now
   * or less (see the adapter: a URL signed with temporary credentials dies with them); its
   * `expiresAt` is when the storage stops taking it. Creates nothing.
   */
  presignPut(
    key: string,
    contentLength: number,
    validSeconds: number,
  ): Promise<Pick<PresignedUpload, 'url' | 'headers' | 'expiresAt'>>;
  /** The object at `key` as it is now, opened for reading; undefined when nothing was uploaded there. */
  open(key: string): Promise<OpenedUpload | undefined>;
  /** Tags the object used, so the lifecycle rule for unused uploads no longer applies to it. */
  markUsed(key: string): Promise<void>;
}

/** The records of uploads: who made each, how large it must be, until when it serves, which message took it. */
export interface UploadRecords {
  /** Records a new upload (its id is new: nothing to overwrite). */
  create(upload: UploadRecord): Promise<void>;
  /** The record of `uploadId`; undefined when there is none (never made, or swept by its TTL). */
  get(uploadId: string): Promise<UploadRecord | undefined>;
  /**
   * Takes the upload for `messageId`, atomically: true when taken (also when it already was, by
   * this message: a retried write whose answer was lost), false when another message has it.
   */
  claim(uploadId: string, messageId: string): Promise<boolean>;
  /** Gives up this message's claim (its message was not acknowledged), so a retry can take the upload. */
  release(uploadId: string, messageId: string): Promise<void>;
}
