/**
 * HTTP edge helpers shared by the API Lambdas: JSON responses, the contract's error body, request
 * body and header parsing, and the middy middleware that turns errors into answers.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import type middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ApiError } from '../domain/errors';
import { parseJsonObject } from '../domain/json-body';

export type ApiEvent = APIGatewayProxyEventV2;
export type ApiResult = APIGatewayProxyStructuredResultV2;

/** API Gateway accepts at most 10 MB; so does Conveyor. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

export const json = (statusCode: number, body: unknown): ApiResult => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

export const noContent = (): ApiResult => ({ statusCode: 204 });

const errorBody = (code: string, message: string) => ({ error: { code, message } });

/** A request header by case-insensitive name (API Gateway lowercases them; other callers may not). */
export const header = (event: ApiEvent, name: string): string | undefined => {
  const headers = event.headers ?? {};
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
};

/** The path parameter the router matched. */
export const pathParameter = (event: ApiEvent, name: string): string => {
  const value = event.pathParameters?.[name];
  if (value === undefined) throw new Error(`Route has no path parameter ${name}`);
  return decodeURIComponent(value);
};

/**
 * The request body as text: 415 unless it is declared JSON, 413 past 10 MB, 400 unless UTF-8.
 */
export const bodyText = (event: ApiEvent): string => {
  const contentType = header(event, 'content-type');
  const [mediaType, ...parameters] = (contentType ?? '').split(';').map((part) => part.trim().toLowerCase());
  const charsetOk = parameters.every((parameter) => !parameter.startsWith('charset=') || parameter === 'charset=utf-8');
  if (mediaType !== 'application/json' || !charsetOk) {
    throw new ApiError(415, 'unsupported_media_type', 'The Content-Type header must be application/json (UTF-8).');
  }
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > MAX_BODY_BYTES) {
    throw new ApiError(413, 'payload_too_large', 'The body is larger than 10 MB.');
  }
  if (!event.isBase64Encoded) return raw;
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new ApiError(400, 'invalid_request', 'The body is not valid UTF-8.');
  }
};

/** The body as a JSON object (see `parseJsonObject` for the 4xx answers). */
export const jsonBody = (event: ApiEvent): Record<string, unknown> => parseJsonObject(bodyText(event));

/** Answers the router's "no such route" in the contract's error format. */
export const routeNotFound = (): never => {
  throw new ApiError(404, 'route_not_found', 'No such route.');
};

/**
 * Maps errors to the contract's error body: ApiErrors (and middy's exposed HTTP errors) as they
 * are, anything else as a 500 whose body carries no internals. Logs the error by name only: an
 * error message may quote a payload.
 */
export const apiErrors = (logger: Logger): middy.MiddlewareObj<ApiEvent, ApiResult> => ({
  onError: async (request) => {
    const { error } = request;
    if (error instanceof ApiError) {
      if (error.statusCode >= 500) logger.warn('Request not accepted', { code: error.code, reason: error.message });
      request.response = json(error.statusCode, errorBody(error.code, error.message));
      return;
    }
    const exposed = error as { statusCode?: number; expose?: boolean } | null;
    if (exposed && typeof exposed.statusCode === 'number' && exposed.statusCode < 500 && exposed.expose) {
      request.response = json(exposed.statusCode, errorBody('invalid_request', 'The request is not valid.'));
      return;
    }
    // The stack without its first line, which repeats the message.
    const frames = (error as Error | null)?.stack?.split('\n').slice(1).join('\n');
    logger.error('Unhandled error', { errorName: (error as Error | null)?.name, frames });
    request.response = json(500, errorBody('internal_error', 'An internal error occurred. Retry later.'));
  },
});
