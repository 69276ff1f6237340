import {
  attemptTimeoutMs,
  deliveryBytesOf,
  TIMEOUT_COVERED_BYTES,
} from '../../../../lambdas/shared/domain/delivery-timeout';
import type { EnvelopeHeader } from '../../../../lambdas/shared/domain/envelope';
import { MAX_INLINE_BODY_BYTES, MAX_UPLOAD_BYTES } from '../../../../lambdas/shared/domain/size-limits';

const header: EnvelopeHeader = {
  v: 1,
  messageId: 'msg_1',
  transmissionId: 'trn_1_0',
  destinationId: 'dst_1',
  sourceId: 'src_1',
  dataModel: 'Imaging',
  eventType: 'Report',
  receivedAt: '2026-11-26T10:00:00.000Z',
};

describe('attemptTimeoutMs', () => {
  it("keeps the destination's timeout for a body of up to 1 MiB", () => {
    expect(attemptTimeoutMs(10_000, 0)).toBe(10_000);
    expect(attemptTimeoutMs(10_000, TIMEOUT_COVERED_BYTES)).toBe(10_000);
  });

  it('adds a millisecond per 1,000 bytes beyond, rounded up', () => {
    expect(attemptTimeoutMs(10_000, TIMEOUT_COVERED_BYTES + 1)).toBe(10_001);
    expect(attemptTimeoutMs(10_000, TIMEOUT_COVERED_BYTES + 1_000_000)).toBe(11_000);
  });

  it('gives the worst attempt (30 s, 50 MB) under 80 s: the delivery function (2 min) still has room', () => {
    expect(attemptTimeoutMs(30_000, MAX_UPLOAD_BYTES)).toBe(78_952);
  });
});

describe('deliveryBytesOf', () => {
  it('is the entry for inline data, the recorded size for a reference, the inline maximum for an old one', () => {
    expect(deliveryBytesOf(header, 'é'.repeat(10))).toBe(20);
    expect(deliveryBytesOf({ ...header, dataRef: 'uploads/s/u', dataBytes: 50_000_000 }, '')).toBe(50_000_000);
    expect(deliveryBytesOf({ ...header, dataRef: 'payloads/msg_1' }, '')).toBe(MAX_INLINE_BODY_BYTES);
  });
});
