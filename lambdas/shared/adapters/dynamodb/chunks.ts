/**
 * Text too large for one item: gzipped and cut into chunks that each fit in one. DynamoDB's item
 * limit is 400 KB, attribute names and values together
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-items).
 * The chunks of one text are written in one TransactWriteItems, whose limits (100 items, 4 MB in
 * all) bound a text to about 11 chunks (~3.8 MB gzipped): well beyond an SQS entry (1 MiB).
 */
import { gunzipSync, gzipSync } from 'node:zlib';

/** The bytes of one chunk: under the 400 KB item limit with room for the keys and attributes. */
export const CHUNK_BYTES = 350_000;

/** The text gzipped, in chunks of at most `CHUNK_BYTES` (at least one, even for an empty text). */
export const gzipInChunks = (text: string): Uint8Array[] => {
  const compressed = gzipSync(text);
  const chunks: Uint8Array[] = [];
  for (let start = 0; start === 0 || start < compressed.length; start += CHUNK_BYTES) {
    chunks.push(compressed.subarray(start, start + CHUNK_BYTES));
  }
  return chunks;
};

/** The text back from all its chunks, in order. */
export const gunzipChunks = (chunks: readonly Uint8Array[]): string =>
  gunzipSync(Buffer.concat(chunks)).toString('utf8');
