/** The paging options every list command shares, and how they read into `PageOptions`. */
import { type Command, Option } from 'commander';
import { pageLimit } from '../options';
import type { CommandContext } from '../context';
import type { Page, PageOptions } from '../paging';

/** Adds `--limit`, `--cursor` and `--all` to a list command. */
export const withPaging = (command: Command): Command =>
  command
    .addOption(
      new Option('--limit <n>', 'items per page, 1 to 100 (the API answers 50 without it)').argParser(pageLimit),
    )
    .addOption(new Option('--cursor <cursor>', 'continue after a previous page (its "cursor")').conflicts('all'))
    .option('--all', 'read every page, following the cursor until the end');

/** The paging part of a list command's options. */
export const pageOptions = (options: { limit?: number; cursor?: string; all?: boolean }): PageOptions => ({
  limit: options.limit,
  cursor: options.cursor,
  all: options.all === true,
});

/** Tells people (not scripts: `--json` carries the cursor) that the list goes on. */
export const noteMore = (context: CommandContext, page: Page<unknown>): void => {
  if (page.cursor !== undefined) {
    context.output.note(`More items: add --cursor ${page.cursor} for the next page, or --all for every page.`);
  }
};
