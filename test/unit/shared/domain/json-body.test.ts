import { ApiError } from '../../../../lambdas/shared/domain/errors';
import {
  firstTooDeep,
  nestingExceeds,
  parseJsonObject,
  rawPropertyText,
} from '../../../../lambdas/shared/domain/json-body';

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

describe('firstTooDeep', () => {
  it('finds the bracket one level too deep and the top-level key it lies under, escapes resolved', () => {
    const text = `{"meta":{"a":[1]},"d\\u0061ta":${nested(3)}}`;
    expect(firstTooDeep(text, 3)).toEqual({ offset: text.indexOf('[[[') + 2, topLevelKey: 'data' });
    expect(firstTooDeep(text, 4)).toBeUndefined();
    // A colon or key inside a string, or in a deeper object, is not a top-level key.
    expect(firstTooDeep(`{"x:":{"k":"v:",":":${nested(2)}}}`, 3)).toMatchObject({ topLevelKey: 'x:' });
    // No top-level object, no key.
    expect(firstTooDeep(nested(3), 2)).toEqual({ offset: 2 });
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
    ['an unpaired surrogate', '{"data":"\ud800"}', 400, 'invalid_request'],
  ])('refuses %s', (_case, text, status, code) => {
    expect(refusal(text)).toMatchObject({ status, code });
  });

  it('accepts data nested exactly 64 levels itself and refuses 65, naming data', () => {
    expect(parseJsonObject(`{"meta":{},"data":${nested(64)}}`)).toBeDefined();
    expect(parseJsonObject(`{"meta":{},"data":${'{"a":'.repeat(63)}[]${'}'.repeat(63)}}`)).toBeDefined();
    expect(refusal(`{"meta":{},"data":${nested(65)}}`)).toEqual({
      status: 400,
      code: 'invalid_request',
      message: 'data is nested deeper than 64 levels.',
    });
    expect(refusal(`{"meta":${nested(65)},"data":1}`).message).toBe('meta is nested deeper than 64 levels.');
  });

  it('never echoes a top-level key that is no field name when refusing depth', () => {
    expect(refusal(`{"Jane Doe, MRN 4711":${nested(65)}}`)).toEqual({
      status: 400,
      code: 'invalid_request',
      message: 'The body must be a JSON object whose fields are nested at most 64 levels deep.',
    });
  });

  it.each([
    ['raw', '{"data":{"s":"\uFFFE\uFFFF"}}'],
    ['escaped', '{"data":{"s":"\\uFFFE\\uFFFF"}}'],
    ['an escaped unpaired surrogate', '{"data":"\\ud800"}'],
  ])('accepts U+FFFE and U+FFFF, legal JSON: %s', (_case, text) => {
    expect(parseJsonObject(text)).toEqual(JSON.parse(text));
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
