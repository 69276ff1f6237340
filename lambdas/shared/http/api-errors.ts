/** The middy middleware that answers every error in the contract's error format. */
import type { Logger } from '@aws-lambda-powertools/logger';
import type middy from '@middy/core';
import { ApiError, internalError, invalidRequest } from '../domain/errors';
import { stackFields } from '../runtime/logging';
import { type ApiEvent, type ApiResult, json } from './api';

/** The contract's error body: `{"error": {"code", "message"}}`. */
const errorAnswer = ({ statusCode, code, message }: ApiError): ApiResult =>
  json(statusCode, { error: { code, message } });

/**
 * Maps errors to the contract's error body: ApiErrors as they are (a 5xx one logged as a warning
 * with its code and reason), middy's exposed HTTP errors (status < 500) with their status and
 * code `invalid_request`, anything else as 500 `internal_error` whose body carries no internals. Logs
 * an unhandled error by name and stack frames only: an error message may quote a payload.
 */
export const apiErrors = (logger: Logger): middy.MiddlewareObj<ApiEvent, ApiResult> => ({
  onError: async (request) => {
    const { error } = request;
    if (error instanceof ApiError) {
      if (error.statusCode >= 500) logger.warn('Request not accepted', { code: error.code, reason: error.message });
      request.response = errorAnswer(error);
      return;
    }
    const exposed = error as { statusCode?: number; expose?: boolean } | null;
    if (exposed && typeof exposed.statusCode === 'number' && exposed.statusCode < 500 && exposed.expose) {
      const { code, message } = invalidRequest('The request is not valid.');
      request.response = json(exposed.statusCode, { error: { code, message } });
      return;
    }
    logger.error('Unhandled error', stackFields(error));
    request.response = errorAnswer(internalError());
  },
});
