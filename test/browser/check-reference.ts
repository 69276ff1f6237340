/**
 * `npm run docs:check`: renders the API reference in a real headless browser and checks it. Not part
 * of `npm test`, which must pass where no browser is installed; needs Chromium (Debian:
 * `apt-get install -y chromium`; another binary with CHROMIUM=/path/to/chrome).
 *
 * 1. Starts Conveyor locally on free ports in a temporary directory — or, given a URL
 *    (`npm run docs:check -- http://127.0.0.1:3000`), uses the one running there.
 * 2. Loads `/docs` in headless Chromium and dumps the DOM once Swagger UI has rendered (virtual
 *    time, so no wall-clock wait): every operation's `summary` and `operationId` from
 *    docs/openapi.yaml must be on the page, and the browser must report no Content-Security-Policy
 *    violation and no failed script.
 * 3. Saves a screenshot (default /tmp/conveyor-docs.png; CONVEYOR_DOCS_SCREENSHOT to choose).
 * Exits 1, naming what is missing, if any check fails.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ENV } from '../../lambdas/shared/runtime/env';
import { startConveyorLocal } from '../../local/conveyor-local';
import { REFERENCE_PAGE_PATH } from '../../local/reference-pages';

const run = promisify(execFile);
const { load } = createRequire(import.meta.url)('js-yaml') as { load: (text: string) => unknown };

interface Operation {
  readonly operationId: string;
  readonly summary: string;
}

const HTTP_METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace']);

/** Every operation of the document, as Swagger UI should show it. */
const documentOperations = (): Operation[] => {
  const document = load(readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'openapi.yaml'), 'utf8')) as {
    paths: Record<string, Record<string, { operationId: string; summary: string }>>;
  };
  return Object.values(document.paths).flatMap((pathItem) =>
    Object.entries(pathItem)
      .filter(([method]) => HTTP_METHODS.has(method))
      .map(([, operation]) => ({ operationId: operation.operationId, summary: operation.summary })),
  );
};

/** The DOM's text as written, for comparing with the document's (which may hold `&`, `<`, quotes). */
const unescapeHtml = (html: string) =>
  html
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&nbsp;', '\u00a0')
    .replaceAll('&amp;', '&');

const chromiumArgs = (profileDir: string) => [
  '--headless',
  // Chromium's sandbox refuses to start as root (containers, CI); the page is our own.
  ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
  '--disable-gpu',
  '--no-first-run',
  '--hide-scrollbars',
  `--user-data-dir=${profileDir}`,
  '--window-size=1280,2000',
  // Virtual time: the page's timers and fetches run to completion before the dump, however slow the machine.
  '--virtual-time-budget=10000',
  // Console messages (a CSP violation, a failed script) go to stderr, where they are checked.
  '--enable-logging=stderr',
  '--v=0',
];

const browse = async (chromium: string, url: string, output: string[]) => {
  const profileDir = mkdtempSync(join(tmpdir(), 'conveyor-chromium-'));
  try {
    return await run(chromium, [...chromiumArgs(profileDir), ...output, url], { maxBuffer: 64 * 1024 * 1024 });
  } finally {
    rmSync(profileDir, { recursive: true, force: true });
  }
};

const check = async (baseUrl: string, chromium: string, screenshot: string): Promise<string[]> => {
  const url = `${baseUrl}${REFERENCE_PAGE_PATH}`;
  const problems: string[] = [];
  const dump = await browse(chromium, url, ['--dump-dom']);
  const text = unescapeHtml(dump.stdout);
  for (const { operationId, summary } of documentOperations()) {
    if (!text.includes(summary)) problems.push(`summary "${summary}" (${operationId}) is not on the page`);
    if (!text.includes(operationId)) problems.push(`operationId ${operationId} is not on the page`);
  }
  const consoleLines = dump.stderr.split('\n').filter((line) => line.includes('CONSOLE'));
  for (const line of consoleLines.filter((line) =>
    /Content Security Policy|violates|Refused to|Uncaught|Failed to load/.test(line),
  ))
    problems.push(`the browser reported: ${line.trim()}`);
  await browse(chromium, url, [`--screenshot=${screenshot}`]);
  return problems;
};

const main = async () => {
  const chromium = process.env.CHROMIUM ?? 'chromium';
  const screenshot = process.env.CONVEYOR_DOCS_SCREENSHOT ?? '/tmp/conveyor-docs.png';
  const given = process.argv[2];
  const dataDir = given === undefined ? mkdtempSync(join(tmpdir(), 'conveyor-docs-')) : undefined;
  const local =
    dataDir === undefined
      ? undefined
      : await startConveyorLocal({
          dataDir,
          fresh: true,
          port: 0,
          tableInMemory: true,
          environment: { [ENV.POWERTOOLS_LOG_LEVEL]: 'SILENT' },
        });
  try {
    const baseUrl = (given ?? local!.apiUrl).replace(/\/$/, '');
    const problems = await check(baseUrl, chromium, screenshot);
    if (problems.length > 0) {
      console.error(`${baseUrl}${REFERENCE_PAGE_PATH} does not render the reference:\n- ${problems.join('\n- ')}`);
      process.exitCode = 1;
      return;
    }
    console.log(
      `${baseUrl}${REFERENCE_PAGE_PATH} renders all ${documentOperations().length} operations; screenshot: ${screenshot}`,
    );
  } finally {
    await local?.stop();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  }
};

main().catch((error: unknown) => {
  console.error('docs:check failed:', error);
  process.exit(1);
});
