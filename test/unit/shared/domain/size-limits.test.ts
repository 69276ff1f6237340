import { ApiError } from '../../../../lambdas/shared/domain/errors';
import { LAMBDA_INVOCATION_MAX_BYTES, MAX_INLINE_BODY_BYTES, assertInlineBodySize } from '../../../../lambdas/shared/domain/size-limits';

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
