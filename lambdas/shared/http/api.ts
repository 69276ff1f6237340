/**
 * HTTP edge helpers shared by the API Lambdas: JSON responses, request body and header parsing.
 * The middleware that turns errors into answers is in `api-errors.ts`.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { invalidRequest, noSuchRoute, unsupportedMediaType } from '../domain/errors';
import { parseJsonObject } from '../domain/json-body';
import { assertInlineBodySize } from '../domain/size-limits';

/** An HTTP API (API Gateway v2, payload format 2.0) request. */
export type ApiEvent = APIGatewayProxyEventV2;
/** An HTTP API answer. */
export type ApiResult = APIGatewayProxyStructuredResultV2;

/**
 * The largest request body API Gateway's HTTP API takes, in bytes (10 MB, a quota that cannot be
 * raised): the local stand-in refuses past it, as API Gateway does. Conveyor's own limit is lower,
 * `MAX_INLINE_BODY_BYTES` (size-limits.ts), which `bodyText` answers with 413 in every deployment.
 */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

/** An answer with `body` as JSON (`content-type: application/json`). */
export const json = (statusCode: number, body: unknown): ApiResult => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** A 204 without a body. */
export const noContent = (): ApiResult => ({ statusCode: 204 });

/** A request header by case-insensitive name (API Gateway lowercases them; other callers may not). */
export const header = (event: ApiEvent, name: string): string | undefined => {
  const headers = event.headers ?? {};
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
};

/**
 * The path parameter the router matched, percent-decoded. A malformed or non-UTF-8 encoding
 * (`%`, `%zz`, `%ff`, overlong forms such as `%C0%AF`) is returned as it came, undecoded: no id has
 * a `%` in it, so the use case's id check answers the resource's 404 — never a 5xx. Throws (a
 * programming error) only when the route has no parameter of that name.
 */
export const pathParameter = (event: ApiEvent, name: string): string => {
  const value = event.pathParameters?.[name];
  if (value === undefined) throw new Error(`Route has no path parameter ${name}`);
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
};

/**
 * The request body as text: 415 `unsupported_media_type` unless it is declared JSON (UTF-8), 413
 * `payload_too_large` past `MAX_INLINE_BODY_BYTES` (naming the upload route), 400
 * `invalid_request` unless it is UTF-8.
 */
export const bodyText = (event: ApiEvent): string => {
  const contentType = header(event, 'content-type');
  const [mediaType, ...parameters] = (contentType ?? '').split(';').map((part) => part.trim().toLowerCase());
  const charsetOk = parameters.every((parameter) => !parameter.startsWith('charset=') || parameter === 'charset=utf-8');
  if (mediaType !== 'application/json' || !charsetOk) {
    throw unsupportedMediaType();
  }
  const raw = event.body ?? '';
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  assertInlineBodySize(bytes.length);
  if (!event.isBase64Encoded) return raw;
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw invalidRequest('The body is not valid UTF-8.');
  }
};

/** The body as a JSON object (see `parseJsonObject` for the 4xx answers). */
export const jsonBody = (event: ApiEvent): Record<string, unknown> => parseJsonObject(bodyText(event));

/** Answers the router's "no such route": throws 404 `route_not_found` (the error middleware answers it). */
export const routeNotFound = (): never => {
  throw noSuchRoute();
};
