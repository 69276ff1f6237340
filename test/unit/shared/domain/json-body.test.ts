import { ApiError } from '../../../../lambdas/shared/domain/errors';
import { nestingExceeds, parseJsonObject, rawPropertyText } from '../../../../lambdas/shared/domain/json-body';

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

const refusal = (text: string) => {
  try {
    parseJsonObject(text);
  } catch (error) {
    return {
      status: (error as ApiError).statusCode,
      code: (error as ApiError).code,
      message: (error as ApiError).message,
    };
  }
  throw new Error('expected a refusal');
};

describe('nestingExceeds', () => {
  it('counts objects and arrays but not brackets inside strings', () => {
    expect(nestingExceeds(nested(64), 64)).toBe(false);
    expect(nestingExceeds(nested(65), 64)).toBe(true);
    expect(nestingExceeds(`{"a":"${'['.repeat(100)}"}`, 64)).toBe(false);
    expect(nestingExceeds(`{"a":"\\"${'{'.repeat(100)}"}`, 64)).toBe(false);
  });
});

describe('parseJsonObject', () => {
  it('returns the object', () => {
    expect(parseJsonObject('{"a":[1,{"b":null}]}')).toEqual({ a: [1, { b: null }] });
  });

  it.each([
    ['not JSON', '{"a":', 400, 'invalid_json'],
    ['an array', '[1]', 400, 'invalid_request'],
    ['a string', '"x"', 400, 'invalid_request'],
    ['null', 'null', 400, 'invalid_request'],
    ['empty', '', 400, 'invalid_json'],
    ['too deep', `{"data":${nested(64)}}`, 400, 'invalid_request'],
    ['U+FFFF inside a string', '{"data":"\uffff"}', 400, 'invalid_request'],
    ['an unpaired surrogate', '{"data":"\ud800"}', 400, 'invalid_request'],
  ])('refuses %s', (_case, text, status, code) => {
    expect(refusal(text)).toMatchObject({ status, code });
  });

  it.each([
    ['{"meta":{},"data":1,"data":2}', '"data" twice in the top-level object'],
    ['{"meta":{"dataModel":"A","dataModel":"B"},"data":1}', '"dataModel" twice in meta'],
    ['{"meta":{},"data":{"p":[{"x":1,"x":2}]}}', 'a key twice in one object inside data'],
    ['{"meta":{},"data":{"a":1,"\\u0061":2}}', 'a key twice in one object inside data'],
  ])('refuses %s: a duplicate key, named with where it is', (text, named) => {
    expect(refusal(text)).toMatchObject({
      status: 400,
      code: 'invalid_request',
      message: expect.stringContaining(named),
    });
  });

  it('never echoes a key from inside data, which is payload', () => {
    expect(refusal('{"meta":{},"data":{"Jane Doe":1,"Jane Doe":2}}').message).not.toContain('Jane');
  });

  it('accepts equal keys in different objects', () => {
    expect(parseJsonObject('{"meta":{"a":1},"data":{"a":1,"b":{"a":2}}}')).toBeDefined();
  });

  it('refuses a stack-busting body without parsing it', () => {
    expect(refusal(nested(1_000_000))).toMatchObject({
      status: 400,
      code: 'invalid_request',
      message: expect.stringContaining('64 levels'),
    });
  });
});

describe('rawPropertyText', () => {
  it('returns the member exactly as sent: number formats, big numbers and escapes survive', () => {
    const text =
      '{ "meta": {"a": 1}, "data" : {"big": 12345678901234567890, "f": 1.0, "e": "\\u00e9", "s": [ 1 ,2 ] } }';
    expect(rawPropertyText(text, 'data')).toBe(
      '{"big": 12345678901234567890, "f": 1.0, "e": "\\u00e9", "s": [ 1 ,2 ] }',
    );
  });

  it('handles scalar members and absent ones', () => {
    expect(rawPropertyText('{"data":null}', 'data')).toBe('null');
    expect(rawPropertyText('{"data":"x"}', 'data')).toBe('"x"');
    expect(rawPropertyText('{"meta":{"data":1}}', 'data')).toBeUndefined();
  });
});
