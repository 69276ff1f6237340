import type { ApiEvent } from '../../../../lambdas/shared/http/api';
import { pathParameter } from '../../../../lambdas/shared/http/api';

const withParameter = (value: string) => ({ pathParameters: { id: value } }) as unknown as ApiEvent;

describe('pathParameter', () => {
  it('decodes a well-formed percent-encoding', () => {
    expect(pathParameter(withParameter('dst_01J%41'), 'id')).toBe('dst_01JA');
    expect(pathParameter(withParameter('%F0%9F%98%80'), 'id')).toBe('😀');
  });

  it.each([
    ['a lone percent sign', '%'],
    ['a truncated escape', 'dst_%4'],
    ['a non-hex escape', '%zz'],
    ['a byte that is not UTF-8', '%ff'],
    ['NUL then a non-UTF-8 byte', '%00%ff'],
    ['an overlong UTF-8 slash', '%C0%AF'],
    ['a UTF-16 surrogate encoded as UTF-8', '%ED%A0%80'],
  ])('returns %s undecoded instead of throwing', (_name, value) => {
    expect(pathParameter(withParameter(value), 'id')).toBe(value);
  });

  it('throws for a parameter the route does not have (a programming error)', () => {
    expect(() => pathParameter(withParameter('x'), 'other')).toThrow('Route has no path parameter other');
  });
});
