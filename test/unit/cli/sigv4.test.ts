/**
 * The CLI signs with the AWS SDK's signer; these tests hold its output against a second,
 * independent SigV4 computation (node:crypto, written from AWS's specification), which itself is
 * first checked against AWS's published test vector.
 */
import { createHash, createHmac } from 'node:crypto';
import { requestSigner } from '../../../bin/cli/sigv4';

// AWS's documented example credentials and time (SigV4 test suite, "get-vanilla").
const CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const SIGNING_TIME = new Date('2015-08-30T12:36:00Z');

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const hmac = (key: string | Buffer, text: string) => createHmac('sha256', key).update(text).digest();

/** SigV4 from the specification: canonical request, string to sign, derived key, signature. */
const independentSignature = (input: {
  method: string;
  canonicalUri: string;
  canonicalQuery: string;
  headers: Record<string, string>;
  body: string;
  region: string;
  service: string;
  amzDate: string;
}) => {
  const names = Object.keys(input.headers).sort();
  const canonicalRequest = [
    input.method,
    input.canonicalUri,
    input.canonicalQuery,
    ...names.map((name) => `${name}:${input.headers[name]!.trim()}`),
    '',
    names.join(';'),
    sha256(input.body),
  ].join('\n');
  const date = input.amzDate.slice(0, 8);
  const scope = `${date}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', input.amzDate, scope, sha256(canonicalRequest)].join('\n');
  const key = hmac(
    hmac(hmac(hmac(`AWS4${CREDENTIALS.secretAccessKey}`, date), input.region), input.service),
    'aws4_request',
  );
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex');
  return `AWS4-HMAC-SHA256 Credential=${CREDENTIALS.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
};

describe('SigV4 signing of admin requests', () => {
  it('has an independent reference that reproduces AWS’s published get-vanilla signature', () => {
    // Prepare: the test-suite request "GET / HTTP/1.1, Host: example.amazonaws.com".
    const authorization = independentSignature({
      method: 'GET',
      canonicalUri: '/',
      canonicalQuery: '',
      headers: { host: 'example.amazonaws.com', 'x-amz-date': '20150830T123600Z' },
      body: '',
      region: 'us-east-1',
      service: 'service',
      amzDate: '20150830T123600Z',
    });
    // Assess: the signature AWS publishes for it.
    expect(authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ' +
        'SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
    );
  });

  it('signs a POST with a body and a query for execute-api exactly as the specification computes it', async () => {
    // Prepare
    const sign = requestSigner({ region: 'eu-west-1', credentials: CREDENTIALS, now: () => SIGNING_TIME });
    const body = JSON.stringify({ reason: 'malformed HL7, ticket 4711' });
    const url = new URL(
      'https://abc123defg.execute-api.eu-west-1.amazonaws.com/v1/admin/destinations/dst_01J00000000000000000000000/skip?force=true&a=b c',
    );

    // Act
    const headers = await sign({
      method: 'POST',
      url,
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body,
    });

    // Assess
    expect(headers['x-amz-date']).toBe('20150830T123600Z');
    expect(headers['x-amz-content-sha256']).toBe(sha256(body));
    expect(headers.host).toBeUndefined(); // fetch sends the URL's host, which is what was signed
    expect(headers.authorization).toBe(
      independentSignature({
        method: 'POST',
        canonicalUri: '/v1/admin/destinations/dst_01J00000000000000000000000/skip',
        // Sorted by name, each name and value percent-encoded (space as %20).
        canonicalQuery: 'a=b%20c&force=true',
        headers: {
          accept: 'application/json',
          'content-type': 'application/json',
          host: 'abc123defg.execute-api.eu-west-1.amazonaws.com',
          'x-amz-content-sha256': sha256(body),
          'x-amz-date': '20150830T123600Z',
        },
        body,
        region: 'eu-west-1',
        service: 'execute-api',
        amzDate: '20150830T123600Z',
      }),
    );
    // The same value written out, so a change in either computation shows here.
    expect(headers.authorization).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/eu-west-1/execute-api/aws4_request, ' +
        'SignedHeaders=accept;content-type;host;x-amz-content-sha256;x-amz-date, ' +
        'Signature=67fc16fb81014175943b8543cb38005a1b502493c20166f1d6ae5b5c8b5cb505',
    );
  });

  it('signs the session token of temporary credentials and the port of a non-default one', async () => {
    // Prepare
    const sign = requestSigner({
      region: 'us-east-1',
      credentials: async () => ({ ...CREDENTIALS, sessionToken: 'session-token-example' }),
      now: () => SIGNING_TIME,
    });

    // Act
    const headers = await sign({
      method: 'GET',
      url: new URL('https://api.example.org:8443/v1/admin/organizations'),
      headers: {},
    });

    // Assess
    expect(headers['x-amz-security-token']).toBe('session-token-example');
    expect(headers.authorization).toBe(
      independentSignature({
        method: 'GET',
        canonicalUri: '/v1/admin/organizations',
        canonicalQuery: '',
        headers: {
          host: 'api.example.org:8443',
          'x-amz-content-sha256': sha256(''),
          'x-amz-date': '20150830T123600Z',
          'x-amz-security-token': 'session-token-example',
        },
        body: '',
        region: 'us-east-1',
        service: 'execute-api',
        amzDate: '20150830T123600Z',
      }),
    );
  });
});
