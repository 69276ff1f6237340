/** The first bytes of an endpoint's answer body, read without keeping the rest. */
import type { Readable } from 'node:stream';

/** Decodes as UTF-8, replacing what is not (a character cut at the end included) with U+FFFD; never throws. */
const utf8 = new TextDecoder('utf-8', { fatal: false });

/**
 * Reads an answer body to its end and answers its first `excerptBytes` bytes as text (UTF-8, a
 * multi-byte character cut at the end replaced by U+FFFD). Only those bytes are kept (copied out
 * of the chunk that carried them); everything after is discarded as it arrives, never buffered.
 * After `readLimitBytes` in all the stream is destroyed (its connection closed rather than
 * drained), so a huge or endless body costs at most that much reading. Never throws: a body that
 * fails or is aborted midway answers what was kept of it.
 *
 * The excerpt may hold PHI: callers store it only where the attempt log is kept, and never log it.
 */
export const readResponseExcerpt = (body: Readable, excerptBytes: number, readLimitBytes: number): Promise<string> =>
  new Promise((resolve) => {
    const kept: Buffer[] = [];
    let keptBytes = 0;
    let readBytes = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      body.off('data', onData);
      resolve(utf8.decode(Buffer.concat(kept, keptBytes)));
    };
    const onData = (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      readBytes += bytes.length;
      if (keptBytes < excerptBytes) {
        // A copy: a slice would keep the whole chunk it came from alive.
        const part = Buffer.from(bytes.subarray(0, excerptBytes - keptBytes));
        kept.push(part);
        keptBytes += part.length;
      }
      if (readBytes > readLimitBytes) {
        body.destroy();
        finish();
      }
    };
    body.on('data', onData);
    body.once('end', finish);
    body.once('close', finish);
    // `on`, not `once`: a second error after the first must not go unhandled (it would crash the process).
    body.on('error', finish);
  });
