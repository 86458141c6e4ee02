import { CoordinatorError } from '@coordinator/core';
import { fail } from './fail.js';
import { clientCommand } from './node-client.js';
import { outcomePages } from './outcome-pages.js';

/** `coordinator outcomes`: a service's Outcomes kept for replay, as NDJSON on stdout. */
export function outcomesCommand() {
  return clientCommand('outcomes')
    .description(
      "Print a service's Outcomes kept for replay, one JSON object a line, in log order (every page).",
    )
    .requiredOption('--service <service>', 'the service whose Outcomes to print')
    .option('--after <cursor>', "start after this cursor (an item's `cursor`)")
    .option('--since <time>', 'recorded at or after (ms since the epoch or an ISO date)')
    .option('--limit <n>', 'print at most this many (default: all there are now)')
    .action(async (flags) => {
      try {
        const limit = flags.limit === undefined ? undefined : Number(flags.limit);
        if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 1)) {
          throw new CoordinatorError(
            'INVALID_OPTION',
            `Expected \`--limit\` to be an integer from 1 and up, got \`${flags.limit}\``,
          );
        }
        let warned = false;
        for await (const page of outcomePages(flags, { ...flags, limit })) {
          const { complete, oldest } = page.retention;
          if (!complete && !warned) {
            warned = true;
            process.stderr.write(
              `coordinator: retention dropped older Outcomes of ${flags.service}; the oldest kept is ${oldest ? `cursor ${oldest.cursor} at ${new Date(oldest.at).toISOString()}` : 'none'}\n`,
            );
          }
          const lines = page.items.map((item) => `${JSON.stringify(item)}\n`).join('');
          if (!process.stdout.write(lines)) {
            await new Promise((resolve) => process.stdout.once('drain', resolve));
          }
        }
      } catch (error) {
        fail(error);
      }
    });
}
