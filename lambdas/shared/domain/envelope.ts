// Zod's mini build: the delivery path checks this header only, and the mini build is a fifth of the
// classic one's code in a bundle (17 KB against 90 KB minified), read at every cold start.
import * as z from 'zod/mini';

/**
 * What a destination queue carries for one transmission: a JSON header line, a newline, then the
 * payload's `data` exactly as the integrator sent it (JSON.stringify never emits a raw newline, so
 * the first newline always ends the header). Data with characters a queue may refuse — outside
 * the Basic Multilingual Plane, such as emoji, which SQS takes but its local stand-in does not —
 * travels base64-encoded instead, and is decoded to the same text for delivery.
 */
export const envelopeHeaderSchema = z.object({
  v: z.literal(1),
  messageId: z.string(),
  transmissionId: z.string(),
  destinationId: z.string(),
  sourceId: z.string(),
  dataModel: z.string(),
  eventType: z.string(),
  receivedAt: z.string(),
  /** 0 for the original entry; n for the n-th replay of the transmission. */
  generation: z.optional(z.int().check(z.minimum(0))),
  /** Set when `data` follows as base64 of its UTF-8 bytes. */
  dataEncoding: z.optional(z.literal('base64')),
  /**
   * Set when `data` was too large to travel inline (`entryNeedsPayloadStore` in size-limits.ts),
   * or came by upload: where the payload store keeps it (nothing follows).
   */
  dataRef: z.optional(z.string()),
  /**
   * With `dataRef`, for an uploaded document: the object's ETag when ingest checked it. Delivery
   * reads the object only while it still has that ETag (`If-Match`), so bytes written after the
   * check are never delivered.
   */
  dataEtag: z.optional(z.string()),
  /** With `dataRef` (entries written since uploads exist): the payload's size in bytes, for the delivery's time budget. */
  dataBytes: z.optional(z.int().check(z.minimum(0))),
});
/** The header line of a queue entry (see `envelopeHeaderSchema`). */
export type EnvelopeHeader = z.infer<typeof envelopeHeaderSchema>;

/** Characters outside what every queue takes as they are: tab, newline, return, U+0020–U+D7FF, U+E000–U+FFFD. */
const NOT_PLAIN_QUEUE_TEXT = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD]/;

/**
 * Encodes `rawData` for the queue once, for the envelopes of all of a message's transmissions
 * (a fan-out of a large payload does not base64 it once per destination).
 */
export const envelopeEncoder = (rawData: string): ((header: EnvelopeHeader) => string) => {
  const encoded = NOT_PLAIN_QUEUE_TEXT.test(rawData)
    ? { dataEncoding: 'base64' as const, text: Buffer.from(rawData, 'utf8').toString('base64') }
    : { text: rawData };
  return (header) => {
    const reference = payloadReferenceOf(header);
    if (reference !== undefined) return encodeReferenceEnvelope(header, reference);
    const { dataEncoding: _previous, ...plain } = header;
    return `${JSON.stringify(encoded.dataEncoding ? { ...plain, dataEncoding: encoded.dataEncoding } : plain)}\n${encoded.text}`;
  };
};

/** The queue entry of one transmission: `header`, a newline, then `rawData` (encoded as `envelopeEncoder` does). */
export const encodeEnvelope = (header: EnvelopeHeader, rawData: string): string => envelopeEncoder(rawData)(header);

/**
 * Where a payload that does not travel inline is kept: the payload store's `key`, its size in
 * `bytes` (absent in entries written before it was recorded) and, for an upload, the `etag` it
 * was checked with (delivery reads it only while unchanged).
 */
export interface PayloadReference {
  readonly key: string;
  readonly bytes?: number;
  readonly etag?: string;
}

/** The payload reference an envelope header carries; undefined when its data is inline. */
export const payloadReferenceOf = (header: EnvelopeHeader): PayloadReference | undefined =>
  header.dataRef === undefined
    ? undefined
    : {
        key: header.dataRef,
        ...(header.dataBytes === undefined ? {} : { bytes: header.dataBytes }),
        ...(header.dataEtag === undefined ? {} : { etag: header.dataEtag }),
      };

/** An envelope whose data lives in the payload store, at `reference`. */
export const encodeReferenceEnvelope = (header: EnvelopeHeader, reference: PayloadReference): string => {
  const { dataEncoding: _encoding, dataRef: _ref, dataBytes: _bytes, dataEtag: _etag, ...plain } = header;
  return `${JSON.stringify({
    ...plain,
    dataRef: reference.key,
    ...(reference.bytes === undefined ? {} : { dataBytes: reference.bytes }),
    ...(reference.etag === undefined ? {} : { dataEtag: reference.etag }),
  })}\n`;
};

const headerEnd = (body: string): number => {
  const newline = body.indexOf('\n');
  if (newline < 0) throw new Error('Queue message is not a Conveyor envelope');
  return newline;
};

/** The header alone, without decoding the data (which may be megabytes of base64). Throws unless `body` is an envelope. */
export const decodeEnvelopeHeader = (body: string): EnvelopeHeader =>
  envelopeHeaderSchema.parse(JSON.parse(body.slice(0, headerEnd(body))));

/**
 * The header and the data as the integrator sent them; `rawData` is empty when the header has a
 * `dataRef` (the payload store has the data). Throws unless `body` is an envelope.
 */
export const decodeEnvelope = (body: string): { header: EnvelopeHeader; rawData: string } => {
  const header = decodeEnvelopeHeader(body);
  const rest = body.slice(headerEnd(body) + 1);
  return { header, rawData: header.dataEncoding === 'base64' ? Buffer.from(rest, 'base64').toString('utf8') : rest };
};

/**
 * The body POSTed to a destination (see RECEIVE in the contract), with `data` (UTF-8 bytes of
 * JSON) spliced in verbatim: one buffer of exactly the bytes sent, built with one copy of the
 * data (50 MB of upload stay 50 MB, not a string of twice that).
 */
export const deliveryBody = (header: EnvelopeHeader, sequence: number, data: Uint8Array): Buffer => {
  const meta = {
    messageId: header.messageId,
    transmissionId: header.transmissionId,
    dataModel: header.dataModel,
    eventType: header.eventType,
    receivedAt: header.receivedAt,
    sequence,
  };
  return Buffer.concat([Buffer.from(`{"meta":${JSON.stringify(meta)},"data":`, 'utf8'), data, Buffer.from('}')]);
};
