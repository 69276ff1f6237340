import type { Logger } from '@aws-lambda-powertools/logger';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { notPaused, notAccepted } from '../../../../lambdas/shared/domain/errors';
import type { ApiEvent, ApiResult } from '../../../../lambdas/shared/http/api';
import { apiErrors } from '../../../../lambdas/shared/http/api-errors';

const event = { rawPath: '/v1/messages', headers: {} } as unknown as ApiEvent;
const context = { getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

/** A handler that throws `error`, behind the error middleware, and the logger it writes to. */
const answerTo = async (error: unknown) => {
  const logger = { warn: jest.fn(), error: jest.fn() };
  const handler = middy<ApiEvent, ApiResult>()
    .use(apiErrors(logger as unknown as Logger))
    .handler(async () => {
      throw error;
    });
  const response = await handler(event, context);
  return { response, body: JSON.parse(String(response.body)), logger };
};

describe('apiErrors', () => {
  it('answers an ApiError with its status, code and message, in the contract error body', async () => {
    const { response, body, logger } = await answerTo(notPaused());

    expect(response.statusCode).toBe(409);
    expect(response.headers).toEqual({ 'content-type': 'application/json' });
    expect(body).toEqual({
      error: {
        code: 'not_paused',
        message: 'The destination is not paused; only the head of a paused destination can be skipped.',
      },
    });
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('logs a 5xx ApiError as not accepted, with its code and reason', async () => {
    const { response, logger } = await answerTo(notAccepted('A dependency failed.'));

    expect(response.statusCode).toBe(503);
    expect(logger.warn).toHaveBeenCalledWith('Request not accepted', {
      code: 'not_accepted',
      reason: 'A dependency failed. Nothing was acknowledged; retry with the same Idempotency-Key.',
    });
  });

  it("answers middy's exposed client errors with their status and a generic invalid_request", async () => {
    const { response, body } = await answerTo(
      Object.assign(new Error('Unsupported Media Type'), { statusCode: 415, expose: true }),
    );

    expect(response.statusCode).toBe(415);
    expect(body).toEqual({ error: { code: 'invalid_request', message: 'The request is not valid.' } });
  });

  it('logs only the stack frames of an error whose message runs over several lines', async () => {
    const { response, logger } = await answerTo(new Error('invalid item:\n{"alertEmail":"jane.roe@hospital.example"}'));

    expect(response.statusCode).toBe(500);
    expect(JSON.stringify(logger.error.mock.calls)).not.toContain('jane.roe');
    expect(logger.error.mock.calls[0][1].frames).toMatch(/^\s+at /);
  });

  it('answers anything else as a 500 without internals, and logs it by name, never by message', async () => {
    const { response, body, logger } = await answerTo(new TypeError('payload {"mrn": 1234} could not be read'));

    expect(response.statusCode).toBe(500);
    expect(body).toEqual({ error: { code: 'internal_error', message: 'An internal error occurred. Retry later.' } });
    expect(logger.error).toHaveBeenCalledWith('Unhandled error', expect.objectContaining({ errorName: 'TypeError' }));
    expect(JSON.stringify(logger.error.mock.calls)).not.toContain('1234');
  });
});
