/** The admin API's lists: `{items, cursor?}` pages, read one at a time or all in turn. */
import { ApiAnswerError } from './errors';
import type { ApiClient, ApiRequest } from './http-client';

/** A list answer, as the contract gives it: more pages exist while `cursor` is present. */
export interface Page<Item> {
  readonly items: Item[];
  readonly cursor?: string;
}

/** How much of a list to read: one page (`limit` items after `cursor`), or every page (`all`). */
export interface PageOptions {
  readonly limit?: number;
  readonly cursor?: string;
  readonly all?: boolean;
}

/**
 * Reads a list: the page asked for, or with `all` every page from `cursor` on, following each
 * answer's `cursor` until one comes without (the contract's end of the list).
 *
 * @throws what `ApiClient.send` throws; ApiAnswerError when a page repeats the cursor it was given.
 */
export const readList = async <Item>(
  client: ApiClient,
  request: Omit<ApiRequest, 'method'>,
  options: PageOptions,
): Promise<Page<Item>> => {
  const items: Item[] = [];
  let cursor = options.cursor;
  for (;;) {
    const page = await client.send<Page<Item>>({
      ...request,
      method: 'GET',
      query: { ...request.query, limit: options.limit, cursor },
    });
    if (!options.all) return page;
    items.push(...page.items);
    if (page.cursor === undefined) return { items };
    // A cursor that does not move would loop forever.
    if (page.cursor === cursor)
      throw new ApiAnswerError(200, 'unexpected_answer', 'The list answered the same cursor twice.');
    cursor = page.cursor;
  }
};
