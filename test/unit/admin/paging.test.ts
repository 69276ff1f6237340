import { pageAnswer, readListingQuery } from '../../../lambdas/admin/paging';

const message = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return { status: (error as { statusCode: number }).statusCode, message: (error as Error).message };
  }
  throw new Error('Expected a refusal');
};

describe('readListingQuery', () => {
  it('reads the default limit, the filters given, and a cursor this listing wrote for the same filters', () => {
    const first = readListingQuery('things', { colour: 'red' }, ['colour', 'size']);
    expect(first).toEqual({ page: { limit: 50 }, filters: { colour: 'red' } });
    const { cursor } = pageAnswer('things', first, { items: [1], after: 'sk#1' }, String);

    expect(readListingQuery('things', { colour: 'red', cursor, limit: '100' }, ['colour', 'size'])).toEqual({
      page: { limit: 100, after: 'sk#1' },
      filters: { colour: 'red' },
    });
  });

  it.each([
    [{ limit: '0' }, 'limit'],
    [{ limit: '101' }, 'limit'],
    [{ limit: '1.5' }, 'limit'],
    [{ limit: '' }, 'limit'],
    [{ cursor: 'not a cursor' }, 'cursor'],
    [{ cursor: Buffer.from('{"l":"things"}').toString('base64url') }, 'cursor'],
    [{ shade: 'dark' }, 'shade is not a known query parameter'],
  ])('refuses %j with 400 naming the parameter', (query, naming) => {
    const refusal = message(() => readListingQuery('things', query, ['colour']));
    expect(refusal.status).toBe(400);
    expect(refusal.message).toContain(naming);
  });

  it('refuses a cursor of another listing, or of the same listing with other filters', () => {
    const request = readListingQuery('things', { colour: 'red' }, ['colour']);
    const { cursor } = pageAnswer('things', request, { items: [], after: 'x' }, String);

    expect(message(() => readListingQuery('others', { colour: 'red', cursor }, ['colour'])).status).toBe(400);
    expect(message(() => readListingQuery('things', { colour: 'blue', cursor }, ['colour'])).status).toBe(400);
  });

  it('refuses a position the listing does not accept', () => {
    const request = readListingQuery('things', {}, []);
    const { cursor } = pageAnswer('things', request, { items: [], after: 'abc' }, String);

    expect(message(() => readListingQuery('things', { cursor }, [], (p) => /^\d+$/.test(p))).status).toBe(400);
  });
});

describe('pageAnswer', () => {
  it('answers no cursor on the last page', () => {
    expect(pageAnswer('things', readListingQuery('things', {}, []), { items: [1, 2] }, (n) => n * 2)).toEqual({
      items: [2, 4],
    });
  });
});
