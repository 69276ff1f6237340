/** One page of a partition, read strongly consistent: how every admin listing reads the table. */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Item, Table } from './table';

/** What to read: a partition, optionally narrowed by sort key, and where the previous page ended. */
export interface PageQuery {
  readonly pk: string;
  /** Only sort keys starting with this. */
  readonly prefix?: string;
  /** Only sort keys within `[from, to]` (inclusive; not with `prefix`). */
  readonly between?: { readonly from: string; readonly to: string };
  /** At most this many items are read (before `filter`, as DynamoDB's `Limit`). */
  readonly limit: number;
  /** The sort key the previous page ended at (its items are after it, in the order read). */
  readonly after?: string;
  /** Newest (highest sort key) first. */
  readonly descending?: boolean;
  /** A FilterExpression on one attribute: only items whose `attribute` equals `value`. */
  readonly where?: { readonly attribute: string; readonly value: string };
}

/**
 * One page: the items read (after `where`), and the sort key to continue after when DynamoDB says
 * there may be more. A page may be short (even empty) and still have a next one: `Limit` counts
 * items read, not items that pass the filter. An `after` outside the asked range (a cursor not
 * written for this query) reads nothing, rather than failing.
 */
export const queryPage = async (
  { client, tableName }: Table,
  query: PageQuery,
): Promise<{ items: Item[]; after?: string }> => {
  const { pk, prefix, between, after, where } = query;
  if (after !== undefined && prefix !== undefined && !after.startsWith(prefix)) return { items: [] };
  if (after !== undefined && between !== undefined && (after < between.from || after > between.to)) {
    return { items: [] };
  }
  const values: Item = { ':pk': pk };
  let condition = 'pk = :pk';
  if (prefix !== undefined) {
    condition += ' AND begins_with(sk, :prefix)';
    values[':prefix'] = prefix;
  } else if (between !== undefined) {
    condition += ' AND sk BETWEEN :from AND :to';
    values[':from'] = between.from;
    values[':to'] = between.to;
  }
  if (where) values[':where'] = where.value;
  const page = await client.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: condition,
      ExpressionAttributeValues: values,
      ...(where
        ? { FilterExpression: '#where = :where', ExpressionAttributeNames: { '#where': where.attribute } }
        : {}),
      ConsistentRead: true,
      Limit: query.limit,
      ScanIndexForward: !query.descending,
      ...(after === undefined ? {} : { ExclusiveStartKey: { pk, sk: after } }),
    }),
  );
  const last = page.LastEvaluatedKey?.sk;
  return { items: page.Items ?? [], ...(typeof last === 'string' ? { after: last } : {}) };
};
