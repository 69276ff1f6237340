/**
 * SigV4 signing of admin requests for API Gateway's IAM authorization, with the AWS SDK's own
 * signer (`@smithy/signature-v4`) and SHA-256 (`@aws-crypto/sha256-js`): nothing hand-written.
 */
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, HttpRequest, Provider } from '@smithy/types';

/** An HTTP request as the CLI sends it with `fetch`. */
export interface OutgoingRequest {
  readonly method: string;
  readonly url: URL;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export interface SignerOptions {
  readonly region: string;
  /** Fixed credentials, or a provider such as the default chain's (`defaultProvider()`). */
  readonly credentials: AwsCredentialIdentity | Provider<AwsCredentialIdentity>;
  /** The service signing name. @default 'execute-api' (API Gateway) */
  readonly service?: string;
  /** The signing time. @default the system clock */
  readonly now?: () => Date;
}

/** Returns the headers to send: the request's own plus `authorization`, `x-amz-date`, `x-amz-content-sha256` (and `x-amz-security-token` with temporary credentials). */
export type RequestSigner = (request: OutgoingRequest) => Promise<Record<string, string>>;

/**
 * A signer for one region's API. The `host` header is signed but not returned: `fetch` sends
 * the URL's host itself (with the port when not the default), which is the value signed here.
 *
 * @throws whatever the credential provider throws (e.g. the default chain finding no credentials).
 */
export const requestSigner = (options: SignerOptions): RequestSigner => {
  const signer = new SignatureV4({
    service: options.service ?? 'execute-api',
    region: options.region,
    credentials: options.credentials,
    sha256: Sha256,
  });
  const now = options.now ?? (() => new Date());
  return async ({ method, url, headers, body }) => {
    const query: Record<string, string | string[]> = {};
    for (const [name, value] of url.searchParams) {
      const previous = query[name];
      query[name] = previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
    }
    // A plain object of @smithy/types' HttpRequest shape: the signer copies it before signing.
    const request: HttpRequest = {
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port === '' ? undefined : Number(url.port),
      path: url.pathname,
      query,
      headers: { ...headers, host: url.host },
      body,
    };
    const signed = await signer.sign(request, { signingDate: now() });
    const { host: _host, ...sent } = signed.headers;
    return sent;
  };
};
