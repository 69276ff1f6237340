/** Runs `conveyor` in-process against a scripted API: what it sent, printed and exited with. */
import { main } from '../../../bin/cli/main';

export interface SentRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly body: unknown;
}

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly sent: SentRequest[];
}

/** The API's answer to one request: a status and a JSON body (none for 204). */
export type Answer = { status: number; body?: unknown } | Error;

export const runCli = async (
  args: string[],
  options: {
    env?: Record<string, string>;
    checkout?: string;
    answer?: (request: SentRequest) => Answer;
    now?: Date;
    awsCredentials?: { accessKeyId: string; secretAccessKey: string };
  } = {},
): Promise<CliRun> => {
  let stdout = '';
  let stderr = '';
  const sent: SentRequest[] = [];
  const fakeFetch = (async (input: string | URL | Request, init: RequestInit = {}) => {
    const headers = init.headers as Record<string, string>;
    const request: SentRequest = {
      method: init.method ?? 'GET',
      url: new URL(String(input)),
      headers,
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    sent.push(request);
    const answer = (options.answer ?? (() => ({ status: 200, body: {} })))(request);
    if (answer instanceof Error) throw answer;
    return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), { status: answer.status });
  }) as typeof fetch;
  const code = await main(['node', 'conveyor', ...args], {
    env: { CONVEYOR_ADMIN_TOKEN: 'unit-admin-token', ...options.env },
    checkout: options.checkout ?? '/nonexistent',
    now: () => options.now ?? new Date('2026-11-30T12:00:00.000Z'),
    fetch: fakeFetch,
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    awsCredentials: options.awsCredentials && (async () => options.awsCredentials!),
  });
  return { code, stdout, stderr, sent };
};
