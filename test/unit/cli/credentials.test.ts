import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveAdminToken, resolveApiKey } from '../../../bin/cli/credentials';
import { EXIT, UnreachableError } from '../../../bin/cli/errors';

let checkout: string;

beforeEach(() => {
  checkout = mkdtempSync(join(tmpdir(), 'conveyor-cli-'));
});
afterEach(() => rmSync(checkout, { recursive: true, force: true }));

const writeToken = (dataDir: string, token: string) => {
  mkdirSync(join(checkout, dataDir), { recursive: true });
  writeFileSync(join(checkout, dataDir, 'admin-token'), `${token}\n`);
};

describe('resolveAdminToken', () => {
  it('takes CONVEYOR_ADMIN_TOKEN first, even when npm start’s file exists', () => {
    writeToken('.conveyor', 'from-file');
    expect(resolveAdminToken({ CONVEYOR_ADMIN_TOKEN: 'from-env' }, checkout)).toBe('from-env');
  });

  it('then reads .conveyor/admin-token under the checkout, trimmed', () => {
    writeToken('.conveyor', 'from-file');
    expect(resolveAdminToken({}, checkout)).toBe('from-file');
    expect(resolveAdminToken({ CONVEYOR_ADMIN_TOKEN: '' }, checkout)).toBe('from-file');
  });

  it('reads the file in CONVEYOR_DATA_DIR when set, not .conveyor', () => {
    writeToken('.conveyor', 'default-dir');
    writeToken('elsewhere', 'chosen-dir');
    expect(resolveAdminToken({ CONVEYOR_DATA_DIR: 'elsewhere' }, checkout)).toBe('chosen-dir');
    expect(resolveAdminToken({ CONVEYOR_DATA_DIR: join(checkout, 'elsewhere') }, '/')).toBe('chosen-dir');
  });

  it('fails with exit 3, saying where it looked, when there is no token', () => {
    writeToken('.conveyor', '   ');
    let thrown: unknown;
    try {
      resolveAdminToken({}, checkout);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(UnreachableError);
    expect((thrown as UnreachableError).exitCode).toBe(EXIT.unreachable);
    expect((thrown as Error).message).toContain(join(checkout, '.conveyor', 'admin-token'));
    expect((thrown as Error).message).toContain('CONVEYOR_ADMIN_TOKEN');
  });
});

describe('resolveApiKey', () => {
  it('takes --api-key, then CONVEYOR_API_KEY, else fails with exit 3', () => {
    expect(resolveApiKey('from-option', { CONVEYOR_API_KEY: 'from-env' })).toBe('from-option');
    expect(resolveApiKey(undefined, { CONVEYOR_API_KEY: 'from-env' })).toBe('from-env');
    expect(() => resolveApiKey(undefined, {})).toThrow(UnreachableError);
  });
});
