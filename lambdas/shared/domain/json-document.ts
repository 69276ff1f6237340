/**
 * The rules a JSON document that becomes a message's `data` must keep, checked as a stream of
 * bytes (an upload of up to 50 MB is never held as one string): the same rules `parseJsonObject`
 * (json-body.ts) applies to `data` sent inline, with the same limits.
 *
 * - Valid JSON (RFC 8259, as strict as JSON.parse: no comments, trailing commas, leading zeros,
 *   bare words, control characters in strings, or a second top-level value), in UTF-8.
 * - No key twice in one object, keys compared after their escapes are resolved (`"a"` and
 *   `"\u0061"` are the same key), as jsonc-parser compares them inline: JSON.parse would keep the
 *   last of the two and a receiver may keep the first.
 * - At most `MAX_JSON_DEPTH` (64) nested objects and arrays, counted as `nestingExceeds` counts
 *   them: each `{` or `[` opens a level, so `[[1]]` is 2 deep. The document is `data` itself, so
 *   this is the limit inline `data` has too (the request body's object around it is not counted).
 * - No byte order mark: the bytes are delivered as they are, inside the RECEIVE body, where a BOM
 *   is no JSON (inline, the UTF-8 decoder drops one before the rules apply).
 *
 * As inline, U+FFFE, U+FFFF and escaped unpaired surrogates are accepted: they are legal JSON,
 * and uploaded data never travels through a queue anyway (the queue entries carry a reference).
 *
 * The tokenizer is @streamparser/json's: it resolves escapes, refuses invalid UTF-8 (a fatal
 * TextDecoder) and bad tokens, but checks no grammar, so `checkTokens` below does (which token
 * may follow which), and keeps the depth and each open object's keys.
 */
import { Tokenizer, TokenType } from '@streamparser/json';
import { MAX_JSON_DEPTH } from './json-body';

/**
 * A rule the document breaks; `message` is a sentence naming the rule and, where it helps, the
 * byte offset: never the content.
 */
export class JsonDocumentError extends Error {
  override name = 'JsonDocumentError';
}

/** What may come next inside an open object or array. */
type Expect = 'key_or_end' | 'key' | 'colon' | 'value' | 'value_or_end' | 'comma_or_end';

interface Container {
  readonly kind: 'object' | 'array';
  expect: Expect;
  /** An object's keys so far (resolved); an array has none. */
  readonly keys?: Set<string>;
}

const UTF8_BOM = [0xef, 0xbb, 0xbf] as const;
const NOT_UTF8 = 'The document is not valid UTF-8.';

/** A tokenizer that does not turn numbers into values: only their syntax matters here. */
class SyntaxTokenizer extends Tokenizer {
  override parseNumber(): number {
    return 0;
  }
}

const at = (offset: number | undefined) => (offset === undefined || offset < 0 ? '' : ` (at byte ${offset})`);

/**
 * Checks one document fed in chunks: `write` each chunk in order, then `end`. Either throws
 * `JsonDocumentError` at the first rule broken; after that the check is spent.
 */
export class JsonDocumentCheck {
  private readonly tokenizer = new SyntaxTokenizer();
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  private readonly open: Container[] = [];
  /** A top-level value is complete: nothing but whitespace may follow. */
  private complete = false;
  /** How many of the document's first bytes match a BOM's; -1 once one does not. */
  private bomBytesMatched = 0;
  private failure: JsonDocumentError | undefined;

  constructor() {
    this.tokenizer.onToken = ({ token, value, offset }) => this.take(token, value, offset);
    this.tokenizer.onError = (error) => {
      // The tokenizer's own messages quote the unexpected character: payload, never repeated.
      if (this.failure) throw this.failure;
      if (error instanceof TypeError) throw new JsonDocumentError(NOT_UTF8);
      if (/ended in the middle of a token/.test(error.message)) throw this.truncated();
      const position = /absolute position "(\d+)"/.exec(error.message)?.[1];
      throw new JsonDocumentError(
        `The document is not valid JSON${at(position === undefined ? undefined : Number(position))}.`,
      );
    };
  }

  /** Feeds the next bytes of the document. */
  write(chunk: Uint8Array): void {
    if (this.failure) throw this.failure;
    // The first bytes, which may come in more than one chunk, against the three of a BOM.
    for (let index = 0; this.bomBytesMatched >= 0 && index < chunk.length; index++) {
      if (chunk[index] !== UTF8_BOM[this.bomBytesMatched]) this.bomBytesMatched = -1;
      else if (++this.bomBytesMatched === UTF8_BOM.length) {
        throw this.fail('The document starts with a byte order mark; send UTF-8 without one.');
      }
    }
    try {
      // Checked on its own, before the tokenizer: it says "not UTF-8" where the tokenizer, given a
      // bad lead byte, may only find the document cut short.
      this.utf8.decode(chunk, { stream: true });
    } catch {
      throw this.fail(NOT_UTF8);
    }
    try {
      this.tokenizer.write(chunk);
    } catch (error) {
      throw this.spent(error);
    }
  }

  /** Ends the document: throws unless it held exactly one complete value. */
  end(): void {
    if (this.failure) throw this.failure;
    try {
      this.utf8.decode();
    } catch {
      throw this.fail(NOT_UTF8);
    }
    try {
      this.tokenizer.end();
    } catch (error) {
      throw this.spent(error);
    }
    if (this.open.length > 0) throw this.fail(this.truncated().message);
    if (!this.complete) throw this.fail('The document holds no JSON value.');
  }

  private truncated() {
    return new JsonDocumentError('The document ends before its JSON is complete.');
  }

  private fail(message: string): JsonDocumentError {
    this.failure = new JsonDocumentError(message);
    return this.failure;
  }

  private spent(error: unknown): JsonDocumentError {
    this.failure =
      error instanceof JsonDocumentError ? error : new JsonDocumentError('The document is not valid JSON.');
    return this.failure;
  }

  /** One token, checked against what the open container (or the top level) may take next. */
  private take(token: TokenType, value: unknown, offset: number): void {
    const container = this.open.at(-1);
    if (!container) {
      if (this.complete) throw this.fail(`The document holds more than one JSON value${at(offset)}.`);
      this.startValue(token, offset);
      return;
    }
    switch (container.expect) {
      case 'key_or_end':
      case 'key':
        if (token === TokenType.STRING) {
          const key = value as string;
          if (container.keys!.has(key)) {
            throw this.fail(
              `The document has a key twice in one object${at(offset)}; a key may appear once per object.`,
            );
          }
          container.keys!.add(key);
          container.expect = 'colon';
        } else if (token === TokenType.RIGHT_BRACE && container.expect === 'key_or_end') {
          this.close();
        } else {
          throw this.notJson(offset);
        }
        return;
      case 'colon':
        if (token !== TokenType.COLON) throw this.notJson(offset);
        container.expect = 'value';
        return;
      case 'value_or_end':
        if (token === TokenType.RIGHT_BRACKET) this.close();
        else this.startValue(token, offset);
        return;
      case 'value':
        this.startValue(token, offset);
        return;
      case 'comma_or_end':
        if (token === TokenType.COMMA) container.expect = container.kind === 'object' ? 'key' : 'value';
        else if (token === (container.kind === 'object' ? TokenType.RIGHT_BRACE : TokenType.RIGHT_BRACKET))
          this.close();
        else throw this.notJson(offset);
        return;
    }
  }

  /** A token where a value must start: a scalar completes it, `{` or `[` opens a container. */
  private startValue(token: TokenType, offset: number): void {
    switch (token) {
      case TokenType.LEFT_BRACE:
      case TokenType.LEFT_BRACKET:
        if (this.open.length >= MAX_JSON_DEPTH) {
          throw this.fail(`The document is nested deeper than ${MAX_JSON_DEPTH} levels${at(offset)}.`);
        }
        this.open.push(
          token === TokenType.LEFT_BRACE
            ? { kind: 'object', expect: 'key_or_end', keys: new Set() }
            : { kind: 'array', expect: 'value_or_end' },
        );
        return;
      case TokenType.STRING:
      case TokenType.NUMBER:
      case TokenType.TRUE:
      case TokenType.FALSE:
      case TokenType.NULL:
        this.valueDone();
        return;
      default:
        throw this.notJson(offset);
    }
  }

  private close(): void {
    this.open.pop();
    this.valueDone();
  }

  private valueDone(): void {
    const parent = this.open.at(-1);
    if (parent) parent.expect = 'comma_or_end';
    else this.complete = true;
  }

  private notJson(offset: number): JsonDocumentError {
    return this.fail(`The document is not valid JSON${at(offset)}.`);
  }
}

/**
 * Reads `chunks` to their end through a `JsonDocumentCheck`; resolves with the number of bytes
 * read once the document keeps every rule.
 * @throws JsonDocumentError at the first rule broken (the rest of `chunks` is not read: the
 *   caller discards the stream); whatever iterating `chunks` throws (a broken download)
 */
export const checkJsonDocument = async (chunks: AsyncIterable<Uint8Array>): Promise<number> => {
  const check = new JsonDocumentCheck();
  let bytes = 0;
  for await (const chunk of chunks) {
    check.write(chunk);
    bytes += chunk.length;
  }
  check.end();
  return bytes;
};
