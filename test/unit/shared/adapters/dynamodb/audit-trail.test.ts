import { QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoAuditTrail, monthsBetween } from '../../../../../lambdas/shared/adapters/dynamodb/audit-trail';
import { client, ddb, TABLE } from './mock-table';

const entry = {
  at: '2026-03-01T10:00:00.000Z',
  actor: 'local-admin',
  action: 'source.delete',
  target: 'src_1',
} as const;

describe('monthsBetween', () => {
  it('walks the months from until back to since, across a year', () => {
    expect(monthsBetween('2025-11-15T00:00:00.000Z', '2026-02-01T00:00:00.000Z')).toEqual([
      '2026-02',
      '2026-01',
      '2025-12',
      '2025-11',
    ]);
  });
});

describe('DynamoAuditTrail', () => {
  const trail = new DynamoAuditTrail(client, TABLE);
  beforeEach(() => ddb.reset());

  it('writes each entry by month and by target in one transaction, expiring 400 days after it', async () => {
    ddb.on(TransactWriteCommand).resolves({});

    await trail.append(entry);

    const items = ddb
      .commandCalls(TransactWriteCommand)[0]!
      .args[0].input.TransactItems!.map((item) => item.Put!.Item!);
    expect(items.map((item) => item.pk)).toEqual(['AUDIT#2026-03', 'AUDIT-TARGET#src_1']);
    expect(items[0]!.sk).toBe(items[1]!.sk);
    expect(items[0]).toMatchObject({ ...entry, expiresAt: Date.parse(entry.at) / 1000 + 400 * 86_400 });
  });

  it('lists across months newest first, strongly consistent, continuing after the last entry answered', async () => {
    ddb
      .on(QueryCommand)
      .resolvesOnce({ Items: [{ pk: 'AUDIT#2026-03', sk: `${entry.at}#a`, ...entry, entryId: 'a', expiresAt: 1 }] })
      .resolvesOnce({ Items: [] })
      .resolvesOnce({
        Items: [{ pk: 'AUDIT#2026-01', sk: '2026-01-05T00:00:00.000Z#b', ...entry, at: '2026-01-05T00:00:00.000Z' }],
        LastEvaluatedKey: { pk: 'AUDIT#2026-01', sk: '2026-01-05T00:00:00.000Z#b' },
      });

    const page = await trail.list(
      { since: '2025-12-01T00:00:00.000Z', until: '2026-03-02T00:00:00.000Z' },
      { limit: 2 },
    );

    expect(page).toEqual({
      items: [entry, { ...entry, at: '2026-01-05T00:00:00.000Z' }],
      after: '2026-01-05T00:00:00.000Z#b',
    });
    const queries = ddb.commandCalls(QueryCommand).map((call) => call.args[0].input);
    expect(queries.map((query) => query.ExpressionAttributeValues![':pk'])).toEqual([
      'AUDIT#2026-03',
      'AUDIT#2026-02',
      'AUDIT#2026-01',
    ]);
    expect(queries[0]).toMatchObject({ ConsistentRead: true, ScanIndexForward: false, Limit: 2 });
    expect(queries[2]).toMatchObject({ Limit: 1 });
  });
});
