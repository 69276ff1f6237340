import { regionFromApiHost, resolveEndpoint } from '../../../bin/cli/endpoint';
import { UsageError } from '../../../bin/cli/errors';

describe('regionFromApiHost', () => {
  it.each([
    ['abc123defg.execute-api.eu-west-1.amazonaws.com', 'eu-west-1'],
    ['ABC123DEFG.execute-api.us-east-1.amazonaws.com', 'us-east-1'],
    ['x1.execute-api.us-gov-west-1.amazonaws.com', 'us-gov-west-1'],
    ['x1.execute-api.cn-north-1.amazonaws.com.cn', 'cn-north-1'],
    ['x1.execute-api.ap-southeast-2.amazonaws.com', 'ap-southeast-2'],
  ])('reads the region of %s', (host, region) => {
    expect(regionFromApiHost(host)).toBe(region);
  });

  it.each([
    '127.0.0.1',
    'api.example.org',
    'execute-api.eu-west-1.amazonaws.com',
    'x1.execute-api.eu-west-1.amazonaws.com.evil.example',
    'x1.lambda-url.eu-west-1.on.aws',
  ])('finds no region in %s', (host) => {
    expect(regionFromApiHost(host)).toBeUndefined();
  });
});

describe('resolveEndpoint', () => {
  it('defaults to npm start’s address in local mode, whatever AWS_REGION says', () => {
    expect(resolveEndpoint({}, { AWS_REGION: 'eu-west-1' })).toEqual({ baseUrl: 'http://127.0.0.1:3000' });
  });

  it('takes --api over CONVEYOR_API_URL, and keeps a stage path without the trailing slash', () => {
    expect(resolveEndpoint({ api: 'http://127.0.0.1:4000/' }, { CONVEYOR_API_URL: 'http://127.0.0.1:5000' })).toEqual({
      baseUrl: 'http://127.0.0.1:4000',
    });
    expect(resolveEndpoint({}, { CONVEYOR_API_URL: 'https://api.example.org/prod/' })).toEqual({
      baseUrl: 'https://api.example.org/prod',
    });
  });

  it('signs for AWS on an execute-api URL, or wherever --region is given', () => {
    expect(resolveEndpoint({ api: 'https://x1.execute-api.eu-central-1.amazonaws.com/' }, {})).toEqual({
      baseUrl: 'https://x1.execute-api.eu-central-1.amazonaws.com',
      aws: { region: 'eu-central-1' },
    });
    expect(resolveEndpoint({ api: 'https://conveyor.example.org', region: 'us-east-2' }, {})).toEqual({
      baseUrl: 'https://conveyor.example.org',
      aws: { region: 'us-east-2' },
    });
  });

  it.each([
    [{ api: 'not a url' }, '--api must be a URL'],
    [{ api: 'file:///etc/passwd' }, '--api must be an http or https URL.'],
    [{ api: 'https://user:pw@api.example.org' }, 'without a query, fragment or credentials'],
    [{ region: 'EU West' }, '--region must be an AWS region such as eu-west-1.'],
  ])('refuses %j as a usage error', (options, message) => {
    expect(() => resolveEndpoint(options, {})).toThrow(UsageError);
    expect(() => resolveEndpoint(options, {})).toThrow(message);
  });

  it('names CONVEYOR_API_URL when that is what is wrong', () => {
    expect(() => resolveEndpoint({}, { CONVEYOR_API_URL: '127.0.0.1:3000' })).toThrow(
      'CONVEYOR_API_URL must be a URL such as http://127.0.0.1:3000.',
    );
    expect(() => resolveEndpoint({}, { CONVEYOR_API_URL: 'ws://127.0.0.1:3000' })).toThrow(
      'CONVEYOR_API_URL must be an http or https URL.',
    );
  });
});
