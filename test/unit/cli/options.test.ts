import { InvalidArgumentError } from 'commander';
import { integerIn, nonEmpty, pageLimit, pointInTime } from '../../../bin/cli/options';

const NOW = new Date('2026-11-30T12:00:00.000Z');
const at = pointInTime(() => NOW);

describe('pointInTime', () => {
  it.each([
    ['90s', '2026-11-30T11:58:30.000Z'],
    ['30m', '2026-11-30T11:30:00.000Z'],
    ['24h', '2026-11-29T12:00:00.000Z'],
    ['7d', '2026-11-23T12:00:00.000Z'],
    ['2w', '2026-11-16T12:00:00.000Z'],
  ])('reads %s as a time before now', (text, iso) => {
    expect(at(text)).toBe(iso);
  });

  it.each([
    ['2026-11-23', '2026-11-23T00:00:00.000Z'],
    ['2026-11-23T09:00', '2026-11-23T09:00:00.000Z'],
    ['2026-11-23T09:00:00Z', '2026-11-23T09:00:00.000Z'],
    ['2026-11-23 09:00:00', '2026-11-23T09:00:00.000Z'],
    ['2026-11-23T10:00:00+01:00', '2026-11-23T09:00:00.000Z'],
    ['2026-11-23T09:00:00.123Z', '2026-11-23T09:00:00.123Z'],
  ])('reads ISO-8601 %s as UTC (UTC when no zone is given)', (text, iso) => {
    expect(at(text)).toBe(iso);
  });

  it.each(['7', 'd', '7 days', '-7d', 'yesterday', '2026-13-45', '23/11/2026', ''])('refuses %j', (text) => {
    expect(() => at(text)).toThrow(InvalidArgumentError);
  });
});

describe('integerIn', () => {
  it('takes whole decimal numbers in range only', () => {
    expect(integerIn(0)('0')).toBe(0);
    expect(pageLimit('100')).toBe(100);
    for (const text of ['-1', '1.5', '1e3', '0x10', ' 5', '', '9007199254740993']) {
      expect(() => integerIn(0)(text)).toThrow(InvalidArgumentError);
    }
    expect(() => pageLimit('101')).toThrow('Must be a whole number from 1 to 100.');
  });
});

describe('nonEmpty', () => {
  it('refuses blank values', () => {
    expect(nonEmpty('Lab')).toBe('Lab');
    expect(() => nonEmpty('  ')).toThrow('Must not be empty.');
  });
});
