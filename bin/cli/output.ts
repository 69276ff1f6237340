/** Where a command's result goes: the API's JSON for scripts (`--json`), or text for people. */

export interface Output {
  readonly json: boolean;
  /** Prints the result: `value` as JSON with `--json`, else `human()`'s text. */
  result(value: unknown, human: () => string): void;
  /** A remark for people (stderr, not in `--json` mode), e.g. that more pages exist. */
  note(text: string): void;
}

/** Writes to the given streams (the process's, or a test's buffers). */
export const createOutput = (
  json: boolean,
  stdout: (text: string) => void,
  stderr: (text: string) => void,
): Output => ({
  json,
  result: (value, human) => {
    if (json) {
      // An empty answer (204) prints nothing: the exit code says it worked.
      if (value !== undefined) stdout(`${JSON.stringify(value, null, 2)}\n`);
      return;
    }
    const text = human();
    if (text !== '') stdout(`${text}\n`);
  },
  note: (text) => {
    if (!json) stderr(`${text}\n`);
  },
});
