/**
 * An error the API answers with its own status and code. Anything else that escapes a handler is
 * answered as a generic 500 whose body carries no internals.
 */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** 400 `invalid_request`: the message names the field or header at fault. */
export const invalidRequest = (message: string): ApiError => new ApiError(400, 'invalid_request', message);

/** 404 with a resource-specific code such as `destination_not_found`. */
export const notFound = (resource: string, id: string): ApiError =>
  new ApiError(404, `${resource}_not_found`, `No ${resource.replace(/_/g, ' ')} with id ${JSON.stringify(id)}.`);
