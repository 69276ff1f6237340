/**
 * Where the API is and how to authenticate to it: local mode (a bearer admin token) or AWS
 * (SigV4 for `execute-api`), decided from `--api` and `--region`.
 */
import type { Environment } from '../../lambdas/shared/runtime/env';
import { CLI_ENV, envValue } from './environment';
import { UsageError } from './errors';

/** `npm start`'s address unless `PORT` moved it. */
export const DEFAULT_API_URL = 'http://127.0.0.1:3000';

/** Where requests go; `aws` is set when they are signed with SigV4 for that region. */
export interface Endpoint {
  /** The API's base URL, without a trailing slash (an API Gateway stage path is kept). */
  readonly baseUrl: string;
  readonly aws?: { readonly region: string };
}

// API Gateway's default hostnames: <api id>.execute-api.<region>.amazonaws.com (.com.cn in China).
const EXECUTE_API_HOST = /^[a-z0-9]+\.execute-api\.([a-z]{2}(?:-[a-z]+)+-\d+)\.amazonaws\.com(?:\.cn)?$/;

/** The region in an API Gateway default hostname (`abc123.execute-api.eu-west-1.amazonaws.com`), else undefined. */
export const regionFromApiHost = (hostname: string): string | undefined =>
  EXECUTE_API_HOST.exec(hostname.toLowerCase())?.[1];

/**
 * The endpoint from the global options and the environment.
 *
 * 1. The URL: `--api`, else `CONVEYOR_API_URL`, else `http://127.0.0.1:3000` (what `npm start` prints).
 * 2. AWS when `--region` is given, or when the host is API Gateway's own (the region is read from
 *    it); a custom domain on AWS needs `--region` (or `--region "$AWS_REGION"`).
 *
 * @throws UsageError when the URL is not an http(s) URL, or `--region` does not look like a region.
 */
export const resolveEndpoint = (options: { api?: string; region?: string }, env: Environment): Endpoint => {
  const given = options.api ?? envValue(env, CLI_ENV.CONVEYOR_API_URL) ?? DEFAULT_API_URL;
  const source = options.api === undefined ? CLI_ENV.CONVEYOR_API_URL : '--api';
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new UsageError(`${source} must be a URL such as ${DEFAULT_API_URL}.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${source} must be an http or https URL.`);
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new UsageError(`${source} must be the API's base URL, without a query, fragment or credentials.`);
  }
  const baseUrl = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  if (options.region !== undefined && !/^[a-z]{2}(?:-[a-z]+)+-\d+$/.test(options.region)) {
    throw new UsageError('--region must be an AWS region such as eu-west-1.');
  }
  const region = options.region ?? regionFromApiHost(url.hostname);
  return region === undefined ? { baseUrl } : { baseUrl, aws: { region } };
};
