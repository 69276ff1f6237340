import { decodeEnvelope, encodeEnvelope, type EnvelopeHeader } from '../../../../lambdas/shared/domain/envelope';
import { ApiError } from '../../../../lambdas/shared/domain/errors';
import {
  DELIVERY_EVENT_BUDGET_BYTES,
  FIFO_BATCH_MAX_RECORDS,
  LAMBDA_INVOCATION_MAX_BYTES,
  MAX_INLINE_BODY_BYTES,
  MAX_INLINE_ENTRY_ESCAPED_BYTES,
  SQS_EVENT_RECORD_OVERHEAD_BYTES,
  assertInlineBodySize,
  entryNeedsPayloadStore,
  escapedEntryBytes,
} from '../../../../lambdas/shared/domain/size-limits';

const MIB = 1024 * 1024;

/** A header with ids of the lengths Conveyor's have (prefix + 26-character ULID). */
const header: EnvelopeHeader = {
  v: 1,
  messageId: `msg_${'0'.repeat(26)}`,
  transmissionId: `trn_${'0'.repeat(26)}_49`,
  destinationId: `dst_${'0'.repeat(26)}`,
  sourceId: `src_${'0'.repeat(26)}`,
  dataModel: 'm'.repeat(128),
  eventType: 'e'.repeat(128),
  receivedAt: '2026-11-26T10:00:00.000Z',
};

/**
 * An SQS record as a FIFO event-source mapping hands it to Lambda, with every field as long as
 * AWS lets it be: a 1 KB receipt handle, 128-character group and deduplication ids, an 80-character
 * queue name, an X-Ray trace header.
 */
const worstCaseRecord = (body: string) => ({
  messageId: '059f36b4-87a3-44ab-83d2-661975830a7d',
  receiptHandle: 'A'.repeat(1024),
  body,
  attributes: {
    ApproximateReceiveCount: '999999',
    AWSTraceHeader: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:1',
    SentTimestamp: '1764000000000',
    SequenceNumber: '18849496460467696128',
    MessageGroupId: 'g'.repeat(128),
    SenderId: 'AROAIWPX5BD2BHG722MW4:conveyor-ingest-0123456789abcdefghij',
    MessageDeduplicationId: 'd'.repeat(128),
    ApproximateFirstReceiveTimestamp: '1764000000000',
  },
  messageAttributes: {},
  md5OfBody: 'e4e68fb7bd0e697a0ae8f1bb342846b3',
  eventSource: 'aws:sqs',
  eventSourceARN: `arn:aws-us-gov:sqs:us-gov-west-1:123456789012:${'q'.repeat(75)}.fifo`,
  awsRegion: 'us-gov-west-1',
});

/** An envelope whose data is a JSON string of `padding`, topped up with `x`, so that the entry is `escapedBytes` escaped. */
const entryOfEscapedSize = (escapedBytes: number, padding: string): string => {
  const room = escapedBytes - escapedEntryBytes(encodeEnvelope(header, '""'));
  const each = escapedEntryBytes(padding) - 2;
  const count = Math.floor(room / each);
  return encodeEnvelope(header, `"${padding.repeat(count)}${'x'.repeat(room - count * each)}"`);
};

describe('the inline request limit', () => {
  it('is 3,000,000 bytes, and twice that (fully escaped) still fits one Lambda invocation', () => {
    expect(MAX_INLINE_BODY_BYTES).toBe(3_000_000);
    expect(2 * MAX_INLINE_BODY_BYTES).toBeLessThan(LAMBDA_INVOCATION_MAX_BYTES);
  });

  it('takes a body of exactly 3,000,000 bytes', () => {
    expect(() => assertInlineBodySize(3_000_000)).not.toThrow();
  });

  it('answers 413 payload_too_large naming the upload route for 3,000,001 bytes', () => {
    let refused: unknown;
    try {
      assertInlineBodySize(3_000_001);
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ statusCode: 413, code: 'payload_too_large' });
    const { message } = refused as ApiError;
    expect(message).toContain('3,000,000 bytes');
    expect(message).toContain('POST /v1/uploads');
    expect(message).toContain('dataUpload');
  });
});

describe('the inline queue entry threshold', () => {
  it('is 5,500,000 / 10 less the record overhead and the room a replay needs: 545,840 bytes escaped', () => {
    expect(MAX_INLINE_ENTRY_ESCAPED_BYTES).toBe(545_840);
    expect(
      FIFO_BATCH_MAX_RECORDS * (MAX_INLINE_ENTRY_ESCAPED_BYTES + SQS_EVENT_RECORD_OVERHEAD_BYTES),
    ).toBeLessThanOrEqual(DELIVERY_EVENT_BUDGET_BYTES);
    expect(DELIVERY_EVENT_BUDGET_BYTES).toBeLessThan(LAMBDA_INVOCATION_MAX_BYTES);
  });

  it('estimates the overhead of an SQS record generously (at least twice a worst-case record)', () => {
    const overhead = Buffer.byteLength(JSON.stringify(worstCaseRecord(''))) - escapedEntryBytes('');
    expect(2 * overhead).toBeLessThanOrEqual(SQS_EVENT_RECORD_OVERHEAD_BYTES);
  });

  it('keeps an event of ten of the largest inline entries, each replayed to the highest generation, under the budget', () => {
    const largest = entryOfEscapedSize(MAX_INLINE_ENTRY_ESCAPED_BYTES, '\\"');
    expect(escapedEntryBytes(largest)).toBe(MAX_INLINE_ENTRY_ESCAPED_BYTES);
    const { header: original, rawData } = decodeEnvelope(largest);
    const replayed = encodeEnvelope({ ...original, generation: Number.MAX_SAFE_INTEGER }, rawData);

    const event = { Records: Array.from({ length: FIFO_BATCH_MAX_RECORDS }, () => worstCaseRecord(replayed)) };

    expect(Buffer.byteLength(JSON.stringify(event))).toBeLessThanOrEqual(DELIVERY_EVENT_BUDGET_BYTES);
  });
});

describe('escapedEntryBytes', () => {
  it.each([
    ['plain ASCII', 'ab', 4],
    ['a quote and a backslash (two bytes each)', '"\\', 6],
    ['a newline (two bytes)', '\n', 4],
    ['a control character (six bytes: \\u0001)', '\u0001', 8],
    ['non-ASCII (six bytes each, as its \\uXXXX escape: the serializer is not documented)', 'é€', 14],
  ])('counts %s as Lambda may carry it at worst', (_case, body, bytes) => {
    expect(escapedEntryBytes(body)).toBe(bytes);
  });
});

describe('entryNeedsPayloadStore', () => {
  // Data as JSON writes them: a quote in a string is \", a backslash \\, a control character \u0001.
  it.each([
    ['quotes', '\\"', true],
    ['backslashes', '\\\\', true],
    ['control characters', '\\u0001', true],
    ['plain ASCII', 'x', false],
  ])('for an entry of 500,000 bytes of %s: %s', (_case, padding, expected) => {
    const body = encodeEnvelope(header, `"${padding.repeat(Math.floor(500_000 / padding.length))}"`);
    expect(Buffer.byteLength(body)).toBeLessThan(MAX_INLINE_ENTRY_ESCAPED_BYTES);
    expect(entryNeedsPayloadStore(body, MIB)).toBe(expected);
  });

  it('sends data the envelope base64-encodes (emoji) by its encoded size', () => {
    // 440,000 bytes of emoji become ~587,000 bytes of base64, plus the header.
    const data = `"${'😀'.repeat(110_000)}"`;
    const body = encodeEnvelope(header, data);
    expect(Buffer.byteLength(data)).toBeLessThan(MAX_INLINE_ENTRY_ESCAPED_BYTES);
    expect(escapedEntryBytes(body)).toBeGreaterThan(MAX_INLINE_ENTRY_ESCAPED_BYTES);
    expect(entryNeedsPayloadStore(body, MIB)).toBe(true);
  });

  it('keeps an entry of exactly the threshold inline and sends one byte more to the payload store', () => {
    const atThreshold = entryOfEscapedSize(MAX_INLINE_ENTRY_ESCAPED_BYTES, 'x');
    const overThreshold = entryOfEscapedSize(MAX_INLINE_ENTRY_ESCAPED_BYTES + 1, 'x');
    expect(entryNeedsPayloadStore(atThreshold, MIB)).toBe(false);
    expect(entryNeedsPayloadStore(overThreshold, MIB)).toBe(true);
  });

  it('still holds to the queue message cap when that is lower', () => {
    const body = encodeEnvelope(header, `"${'x'.repeat(10_000)}"`);
    expect(entryNeedsPayloadStore(body, 10_000)).toBe(true);
    expect(entryNeedsPayloadStore(body, 20_000)).toBe(false);
  });
});
