import { Readable } from 'node:stream';
import { readResponseExcerpt } from '../../../../lambdas/shared/adapters/response-excerpt';

const EXCERPT = 1024;
const LIMIT = 64 * 1024;

describe('readResponseExcerpt', () => {
  it('keeps exactly the first 1,024 bytes of a longer body', async () => {
    const body = 'a'.repeat(1000) + 'b'.repeat(100);

    const excerpt = await readResponseExcerpt(Readable.from([Buffer.from(body)]), EXCERPT, LIMIT);

    expect(excerpt).toBe('a'.repeat(1000) + 'b'.repeat(24));
    expect(Buffer.byteLength(excerpt)).toBe(1024);
  });

  it('keeps the first 1,024 bytes across small chunks', async () => {
    const chunks = Array.from({ length: 300 }, (_, index) => Buffer.from(String(index % 10).repeat(7)));

    const excerpt = await readResponseExcerpt(Readable.from(chunks), EXCERPT, LIMIT);

    expect(excerpt).toBe(Buffer.concat(chunks).subarray(0, 1024).toString());
  });

  it('replaces a multi-byte character cut at the 1,024th byte, and never throws on it', async () => {
    // 1,023 bytes, then "é" (2 bytes): its first byte is the 1,024th.
    const body = `${'x'.repeat(1023)}é and more`;

    const excerpt = await readResponseExcerpt(Readable.from([Buffer.from(body)]), EXCERPT, LIMIT);

    expect(excerpt).toBe(`${'x'.repeat(1023)}\uFFFD`);
  });

  it('answers an empty text for an empty body', async () => {
    expect(await readResponseExcerpt(Readable.from([]), EXCERPT, LIMIT)).toBe('');
  });

  it('reads a huge body no further than the read limit, keeping only the excerpt, and closes it', async () => {
    let produced = 0;
    const chunk = Buffer.alloc(16 * 1024, 'z');
    // 1 GiB if read to its end: produced lazily, one chunk at a time.
    const body = new Readable({
      read() {
        produced += chunk.length;
        this.push(produced > 1024 ** 3 ? null : chunk);
      },
    });

    const excerpt = await readResponseExcerpt(body, EXCERPT, LIMIT);

    expect(excerpt).toBe('z'.repeat(1024));
    expect(body.destroyed).toBe(true);
    // The read limit (64 KiB) plus what the stream had read ahead (its 16 KiB high-water mark, a chunk or two).
    expect(produced).toBeLessThan(LIMIT + 4 * chunk.length);
  });

  it('answers what it kept when the body fails midway', async () => {
    let reads = 0;
    const body = new Readable({
      read() {
        if (reads++ === 0) this.push(Buffer.from('partial answer'));
        else this.destroy(new Error('socket hang up'));
      },
    });

    expect(await readResponseExcerpt(body, EXCERPT, LIMIT)).toBe('partial answer');
  });
});
