import { ENV, envReader } from '../../../../lambdas/shared/runtime/env';
import { messageThrownBy } from '../../../fixtures/thrown';

describe('ENV', () => {
  it('names each variable by itself, so a constant and the variable it reads cannot drift apart', () => {
    const mismatched = Object.entries(ENV).filter(([constant, name]) => constant !== name);

    expect(mismatched).toEqual([]);
  });
});

describe('envReader', () => {
  describe('string', () => {
    it('reads the value as it is set', () => {
      expect(envReader({ TABLE_NAME: 'conveyor-table' }).string(ENV.TABLE_NAME)).toBe('conveyor-table');
    });

    it.each([
      ['unset', {}],
      ['empty', { CONVEYOR_DEPLOYMENT: '' }],
    ])('answers the default when the variable is %s', (_case, env) => {
      expect(envReader(env).string(ENV.CONVEYOR_DEPLOYMENT, 'conveyor')).toBe('conveyor');
    });

    it.each([
      ['unset', {}],
      ['empty', { TABLE_NAME: '' }],
    ])('throws naming the variable when it is %s and has no default', (_case, env) => {
      expect(messageThrownBy(() => envReader(env).string(ENV.TABLE_NAME))).toBe(
        'Environment variable TABLE_NAME is required but not set',
      );
    });
  });

  describe('integer', () => {
    it.each([
      ['720', 720],
      ['0', 0],
      ['-30', -30],
    ])('parses %j as %i', (text, value) => {
      expect(envReader({ COMMIT_GRACE_MS: text }).integer(ENV.COMMIT_GRACE_MS)).toBe(value);
    });

    it('answers the default when the variable is unset', () => {
      expect(envReader({}).integer(ENV.COMMIT_GRACE_MS, 30_000)).toBe(30_000);
    });

    it.each(['12s', '1.5', 'ten', 'NaN', 'Infinity'])(
      'throws naming the variable and quoting the value for %j',
      (text) => {
        const read = () => envReader({ COMMIT_GRACE_MS: text }).integer(ENV.COMMIT_GRACE_MS, 30_000);

        expect(messageThrownBy(read)).toBe(
          `Environment variable COMMIT_GRACE_MS: must be an integer, got ${JSON.stringify(text)}`,
        );
      },
    );

    it('throws naming the variable when it is unset and has no default', () => {
      const read = () => envReader({}).integer(ENV.COMMIT_GRACE_MS);

      expect(messageThrownBy(read)).toBe('Environment variable COMMIT_GRACE_MS is required but not set');
    });
  });

  describe('boolean', () => {
    it.each([
      ['true', true],
      ['false', false],
    ])('parses %j as %s', (text, value) => {
      expect(envReader({ ALLOW_PRIVATE_DESTINATIONS: text }).boolean(ENV.ALLOW_PRIVATE_DESTINATIONS, !value)).toBe(
        value,
      );
    });

    it('answers the default when the variable is unset', () => {
      expect(envReader({}).boolean(ENV.ALLOW_PRIVATE_DESTINATIONS, false)).toBe(false);
    });

    it.each(['TRUE', 'yes', '1', 'on'])('throws naming the variable for %j', (text) => {
      const read = () => envReader({ ALLOW_PRIVATE_DESTINATIONS: text }).boolean(ENV.ALLOW_PRIVATE_DESTINATIONS, false);

      expect(messageThrownBy(read)).toBe('Environment variable ALLOW_PRIVATE_DESTINATIONS: must be true or false');
    });
  });

  describe('parsed', () => {
    const parseList = (text: string) => {
      if (text.includes(';')) throw new Error('use commas, not semicolons');
      return text.split(',');
    };

    it('answers what the parser makes of the value', () => {
      expect(envReader({ PROBE_LADDER_SECONDS: '5,10' }).parsed(ENV.PROBE_LADDER_SECONDS, parseList)).toEqual([
        '5',
        '10',
      ]);
    });

    it('answers the default, unparsed, when the variable is unset', () => {
      const defaultValue = ['60'];

      expect(envReader({}).parsed(ENV.PROBE_LADDER_SECONDS, parseList, defaultValue)).toBe(defaultValue);
    });

    it("throws the parser's error prefixed with the variable's name, keeping the original as its cause", () => {
      let thrown: unknown;

      try {
        envReader({ PROBE_LADDER_SECONDS: '5;10' }).parsed(ENV.PROBE_LADDER_SECONDS, parseList, ['60']);
      } catch (error) {
        thrown = error;
      }

      expect((thrown as Error).message).toBe('Environment variable PROBE_LADDER_SECONDS: use commas, not semicolons');
      expect(((thrown as Error).cause as Error).message).toBe('use commas, not semicolons');
    });

    it('names the variable when the parser throws something other than an Error', () => {
      const parse = (): never => {
        throw 'not a list';
      };

      const read = () => envReader({ PROBE_LADDER_SECONDS: 'x' }).parsed(ENV.PROBE_LADDER_SECONDS, parse);

      expect(messageThrownBy(read)).toBe('Environment variable PROBE_LADDER_SECONDS: not a list');
    });
  });

  describe('optional', () => {
    it.each([
      ['unset', {}],
      ['empty', { QUEUE_KMS_KEY_ID: '' }],
    ])('answers undefined when the variable is %s', (_case, env) => {
      expect(envReader(env).optional(ENV.QUEUE_KMS_KEY_ID)).toBeUndefined();
    });

    it('answers the text when set and no parser is given', () => {
      expect(
        envReader({ QUEUE_KMS_KEY_ID: 'arn:aws:kms:eu-west-1:123456789012:key/1' }).optional(ENV.QUEUE_KMS_KEY_ID),
      ).toBe('arn:aws:kms:eu-west-1:123456789012:key/1');
    });

    it('answers the parsed value when set, and names the variable when the parser throws', () => {
      const read = (text: string) =>
        envReader({ BENCH_MESSAGES: text }).optional(ENV.BENCH_MESSAGES, (value) => {
          if (!/^\d+$/.test(value)) throw new Error('must be a count');
          return Number(value);
        });

      expect(read('250')).toBe(250);
      expect(messageThrownBy(() => read('many'))).toBe('Environment variable BENCH_MESSAGES: must be a count');
    });
  });

  describe('without an environment given', () => {
    const saved = process.env[ENV.BENCH_FAN_OUT_MESSAGES];
    afterEach(() => {
      if (saved === undefined) delete process.env[ENV.BENCH_FAN_OUT_MESSAGES];
      else process.env[ENV.BENCH_FAN_OUT_MESSAGES] = saved;
    });

    it("reads the process's environment", () => {
      process.env[ENV.BENCH_FAN_OUT_MESSAGES] = '40';

      expect(envReader().integer(ENV.BENCH_FAN_OUT_MESSAGES)).toBe(40);
    });
  });

  it('reads the environment at each call, not when the reader is made', () => {
    const env: Record<string, string | undefined> = {};
    const read = envReader(env);
    env[ENV.PORT] = '3100';

    expect(read.integer(ENV.PORT, 3000)).toBe(3100);
  });
});
