/** One page of a listing, as the adapters hand it over; the admin API turns `after` into its opaque `cursor`. */

/** Which page: at most `limit` items (1–100, checked by the admin API), after the position `after`. */
export interface PageRequest {
  readonly limit: number;
  /** The `after` of the previous page, as that adapter returned it; absent for the first page. */
  readonly after?: string;
}

/**
 * At most `limit` items, in the listing's order. `after` is where the next page starts (a sort key
 * or the like, only meaningful to the adapter that wrote it); absent when there is nothing more.
 * A page may hold fewer than `limit` items (even none) and still have a next one, when the
 * listing filters what it reads.
 */
export interface Page<T> {
  readonly items: readonly T[];
  readonly after?: string;
}
