import fc from 'fast-check';
import {
  checkJsonDocument,
  JsonDocumentCheck,
  JsonDocumentError,
} from '../../../../lambdas/shared/domain/json-document';
import { nestingExceeds, parseJsonObject } from '../../../../lambdas/shared/domain/json-body';

/** The bytes of `text` in chunks of `size` bytes (1: byte by byte, splitting every UTF-8 sequence). */
async function* chunked(bytes: Uint8Array, size: number): AsyncIterable<Uint8Array> {
  for (let start = 0; start < bytes.length; start += size) yield bytes.subarray(start, start + size);
}

/** The rule `text` (or `bytes`) breaks, checked in chunks of `size` bytes; undefined when it keeps every rule. */
const brokenRule = async (document: string | Uint8Array, size = 7): Promise<string | undefined> => {
  const bytes = typeof document === 'string' ? Buffer.from(document, 'utf8') : document;
  try {
    expect(await checkJsonDocument(chunked(bytes, size))).toBe(bytes.length);
    return undefined;
  } catch (error) {
    if (error instanceof JsonDocumentError) return error.message;
    throw error;
  }
};

const nested = (levels: number) => `${'['.repeat(levels)}1${']'.repeat(levels)}`;
const nestedObjects = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

describe('checkJsonDocument', () => {
  it.each([
    ['an object', '{"patient":{"mrn":"12345","visits":[1,2.5e-3,-0,true,false,null]}}'],
    ['an array', '[{"a":1},{"a":2}]'],
    ['a string', '"text"'],
    ['a number', '-12.5E+10'],
    ['a literal', 'null'],
    ['whitespace around', ' \t\r\n{ "a" : [ ] }\n'],
    ['the same key in sibling and nested objects', '{"a":{"a":1},"b":[{"a":1},{"a":2}],"c":{"b":{"a":{}}}}'],
    ['escapes', '{"\\"q\\"":"\\\\ \\/ \\b\\f\\n\\r\\t \\u00e9 \\ud83d\\ude00"}'],
    ['multi-byte characters', '{"name":"Zoë Ünïcödé 😀 中文"}'],
    ['U+FFFE and U+FFFF as they are, as inline', '{"a":"\uFFFE\uFFFF"}'],
    ['escaped unpaired surrogates, as JSON.parse takes them', '["\\ud800","\\udc00x"]'],
    ['big numbers, kept as text', '[12345678901234567890123,1.0]'],
  ])('accepts %s', async (_name, text) => {
    expect(await brokenRule(text)).toBeUndefined();
    expect(await brokenRule(text, 1)).toBeUndefined();
  });

  it('accepts nesting of exactly 64 levels and refuses 65, as the inline check does for data', async () => {
    expect(nestingExceeds(nested(64), 64)).toBe(false);
    expect(await brokenRule(nested(64))).toBeUndefined();
    expect(await brokenRule(nestedObjects(64))).toBeUndefined();
    // The same data inline: the body's own object is a level around it, not counted against data.
    expect(parseJsonObject(`{"meta":{},"data":${nested(64)}}`)).toBeDefined();
    expect(parseJsonObject(`{"meta":{},"data":${nestedObjects(64)}}`)).toBeDefined();
    expect(() => parseJsonObject(`{"meta":{},"data":${nested(65)}}`)).toThrow('data is nested deeper than 64 levels.');
    expect(() => parseJsonObject(`{"meta":{},"data":${nestedObjects(65)}}`)).toThrow(/^data is nested deeper/);
    expect(nestingExceeds(nested(65), 64)).toBe(true);
    expect(await brokenRule(nested(65))).toBe('The document is nested deeper than 64 levels (at byte 64).');
    expect(await brokenRule(nestedObjects(65))).toMatch(/^The document is nested deeper than 64 levels/);
    // Brackets inside strings open nothing.
    expect(await brokenRule(`["${'['.repeat(100)}"]`)).toBeUndefined();
  });

  it.each([
    ['at the top level', '{"a":1,"b":2,"a":3}'],
    ['deep inside', '{"x":[{"y":{"z":1,"w":{"k":1,"k":2}}}]}'],
    ['in an object of an array', '[{"a":1},{"a":1,"a":1}]'],
    ['differing only by escapes', '{"a":1,"\\u0061":2}'],
    ['differing only by an escaped slash', '{"a/b":1,"a\\/b":2}'],
    ['split across chunks, multi-byte', '{"ü😀":1,"\\u00fc\\ud83d\\ude00":2}'],
  ])('refuses a key twice in one object %s, without naming the key', async (_name, text) => {
    for (const size of [1, 3, 64]) {
      const rule = await brokenRule(text, size);
      expect(rule).toMatch(
        /^The document has a key twice in one object \(at byte \d+\); a key may appear once per object\.$/,
      );
    }
  });

  it('agrees with the inline check on what a duplicate key is', () => {
    for (const text of ['{"a":1,"\\u0061":2}', '{"x":{"k":1,"k":2}}']) {
      expect(() => parseJsonObject(`{"data":${text}}`)).toThrow(/twice/);
    }
  });

  it.each([
    ['an empty document', '', 'The document holds no JSON value.'],
    ['only whitespace', ' \n ', 'The document holds no JSON value.'],
    ['an object cut short', '{"a":[1,2', 'The document ends before its JSON is complete.'],
    ['a string cut short', '{"a":"abc', 'The document ends before its JSON is complete.'],
    ['a number cut short', '[1.', 'The document ends before its JSON is complete.'],
    ['a literal cut short', 'tru', 'The document ends before its JSON is complete.'],
  ])('refuses %s', async (_name, text, rule) => {
    expect(await brokenRule(text)).toBe(rule);
    expect(await brokenRule(text, 1)).toBe(rule);
  });

  it.each([
    ['a trailing comma in an object', '{"a":1,}'],
    ['a trailing comma in an array', '[1,]'],
    ['a missing colon', '{"a" 1}'],
    ['a missing comma', '[1 2]'],
    ['a leading zero', '[01]'],
    ['two top-level values', '{} {}'],
    ['a bare word', '{"a":undefined}'],
    ['a comment', '{"a":1 /* no */}'],
    ['single quotes', "{'a':1}"],
    ['a non-string key', '{1:2}'],
    ['a raw control character in a string', '["a\u0001b"]'],
    ['a raw newline in a string', '["a\nb"]'],
    ['an invalid escape', '["\\x41"]'],
    ['a short unicode escape', '["\\u12"]'],
    ['a close that opens nothing', ']'],
    ['a mismatched close', '[1}'],
    ['NaN', '[NaN]'],
    ['a plus sign', '[+1]'],
  ])('refuses %s as not valid JSON, without quoting it', async (_name, text) => {
    const rule = await brokenRule(text);
    expect(rule).toMatch(/^The document (is not valid JSON|holds more than one JSON value|ends before)/);
    expect(rule).not.toContain('"');
  });

  it('refuses bytes that are not UTF-8, wherever they fall', async () => {
    for (const bytes of [
      Buffer.from([0x5b, 0x22, 0xff, 0x22, 0x5d]), // ["\xff"]
      Buffer.from([0x5b, 0x22, 0xc3, 0x28, 0x22, 0x5d]), // a broken two-byte sequence
      Buffer.from([0x5b, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x5d]), // a surrogate encoded as UTF-8
      Buffer.from([0x5b, 0x22, 0xc0, 0xaf, 0x22, 0x5d]), // an overlong form
      Buffer.from([0x5b, 0x22, 0xe2, 0x82]), // cut inside a sequence
    ]) {
      for (const size of [1, 2, 64]) expect(await brokenRule(bytes, size)).toBe('The document is not valid UTF-8.');
    }
  });

  it('refuses a byte order mark, also when it comes a byte at a time', async () => {
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"a":1}')]);
    for (const size of [1, 2, 64])
      expect(await brokenRule(withBom, size)).toBe(
        'The document starts with a byte order mark; send UTF-8 without one.',
      );
  });

  it('stops at the first rule broken and stays spent', () => {
    const check = new JsonDocumentCheck();
    expect(() => check.write(Buffer.from('{"a":1,"a"'))).toThrow('The document has a key twice in one object');
    expect(() => check.write(Buffer.from(':2}'))).toThrow('The document has a key twice in one object');
    expect(() => check.end()).toThrow('The document has a key twice in one object');
  });

  it('agrees with JSON.parse on every generated document, in any chunking (duplicates and depth aside)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.json({ depthSize: 'small' }), fc.integer({ min: 1, max: 50 }), async (text, size) => {
        expect(await brokenRule(text, size)).toBeUndefined();
      }),
      { numRuns: 300 },
    );
  });

  it('refuses what JSON.parse refuses, for text cut or changed at random', async () => {
    const mutated = fc
      .tuple(fc.json({ depthSize: 'small' }), fc.nat(), fc.constantFrom('', ',', '}', ']', ':', '"', '0', 'x', ' '))
      .map(([text, position, inserted]) => {
        const at = position % (text.length + 1);
        return `${text.slice(0, at)}${inserted}${text.slice(at + (inserted === '' ? 1 : 0))}`;
      });
    await fc.assert(
      fc.asyncProperty(mutated, fc.integer({ min: 1, max: 16 }), async (text, size) => {
        let parses = true;
        try {
          JSON.parse(text);
        } catch {
          parses = false;
        }
        const rule = await brokenRule(text, size);
        if (parses) expect(rule === undefined || /key twice/.test(rule)).toBe(true);
        else expect(rule).toBeDefined();
      }),
      { numRuns: 500 },
    );
  });
});
