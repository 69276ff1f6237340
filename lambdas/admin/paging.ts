/**
 * The one way every admin listing reads `limit`, `cursor` and its filters from the query string,
 * and writes `{items, cursor?}`. A cursor is opaque to callers: base64url of the listing's name,
 * its filters and the adapter's position, so a cursor is refused (400) by any other listing or
 * with other filters, and an adapter only ever continues from a position it wrote for that query.
 */
import { invalidRequest } from '../shared/domain/errors';
import type { Page, PageRequest } from '../shared/ports/pages';

/** `limit`: 1–100, 50 when absent (the contract's "Admin API"). */
export const LISTING_LIMITS = { default: 50, max: 100 } as const;

/** The longest cursor accepted, in characters (positions are sort keys: DynamoDB allows 1,024 bytes). */
const MAX_CURSOR_LENGTH = 1400;

/** A query string as API Gateway hands it over. */
export type Query = Readonly<Record<string, string | undefined>>;

/** A listing's query: its page, and its filters (absent ones left out). */
export interface ListingRequest<F extends string> {
  readonly page: PageRequest;
  readonly filters: Partial<Record<F, string>>;
}

const parseLimit = (value: string | undefined): number => {
  if (value === undefined) return LISTING_LIMITS.default;
  const limit = Number(value);
  if (!/^\d{1,3}$/.test(value) || limit < 1 || limit > LISTING_LIMITS.max) {
    throw invalidRequest(`limit must be an integer from 1 to ${LISTING_LIMITS.max}.`);
  }
  return limit;
};

const POSITION = /^[\x20-\x7e]{1,1024}$/;

const badCursor = () => invalidRequest('cursor is not a cursor this listing returned.');

/**
 * Reads a listing's query: 400 `invalid_request` naming the parameter for an unknown one, a
 * `limit` outside 1–100, or a `cursor` not written by `listing` for the same filters (or whose
 * position `validPosition` refuses). Filter values are checked by the caller.
 */
export const readListingQuery = <F extends string>(
  listing: string,
  query: Query,
  filterNames: readonly F[],
  validPosition: (position: string) => boolean = () => true,
): ListingRequest<F> => {
  const known = new Set<string>(['limit', 'cursor', ...filterNames]);
  const unknown = Object.keys(query).find((name) => !known.has(name));
  if (unknown !== undefined) throw invalidRequest(`${unknown.slice(0, 64)} is not a known query parameter.`);
  const filters: Partial<Record<F, string>> = {};
  for (const name of filterNames) if (query[name] !== undefined) filters[name] = query[name];
  const limit = parseLimit(query.limit);
  if (query.cursor === undefined) return { page: { limit }, filters };
  const after = decodeCursor(listing, filters, query.cursor);
  if (!validPosition(after)) throw badCursor();
  return { page: { limit, after }, filters };
};

const decodeCursor = (listing: string, filters: object, cursor: string): string => {
  if (cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw badCursor();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw badCursor();
  }
  const { l, f, a } = (decoded ?? {}) as { l?: unknown; f?: unknown; a?: unknown };
  // Positions are sort keys and the like: printable ASCII, within DynamoDB's 1,024-byte sort key.
  if (l !== listing || JSON.stringify(f) !== JSON.stringify(filters) || typeof a !== 'string' || !POSITION.test(a)) {
    throw badCursor();
  }
  return a;
};

/** `{items, cursor?}`: the page's items as `show` makes them, and a cursor when the adapter says there is more. */
export const pageAnswer = <T, U>(
  listing: string,
  request: ListingRequest<string>,
  page: Page<T>,
  show: (item: T) => U,
): { items: U[]; cursor?: string } => ({
  items: page.items.map(show),
  ...(page.after === undefined
    ? {}
    : {
        cursor: Buffer.from(JSON.stringify({ l: listing, f: request.filters, a: page.after })).toString('base64url'),
      }),
});
