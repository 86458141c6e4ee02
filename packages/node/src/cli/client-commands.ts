import { Option } from '@commander-js/extra-typings';
import { CoordinatorError } from '@coordinator/core';
import { fail } from './fail.js';
import { call, clientCommand, request } from './node-client.js';
import { outcomesCommand } from './outcomes-command.js';

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** `submit`, `get`, `list` and `status`: a client of a node's HTTP API. */
export function runClientCommand() {
  const submit = clientCommand('submit')
    .description('Submit a Command; prints its id and state (with --wait, its result).')
    .argument('<type>', 'Command type')
    .argument('<payload>', 'payload as JSON')
    .option('--id <id>', 'Command id (a resubmit with the same id never runs twice)')
    .option('--wait [ms]', 'wait up to this long for the result', '30000')
    .action(async (type, payloadText, flags) => {
      try {
        let payload: unknown;
        try {
          payload = JSON.parse(payloadText);
        } catch (error) {
          throw new CoordinatorError(
            'INVALID_PAYLOAD',
            `The payload is not JSON: ${(error as Error).message}`,
          );
        }
        const wait = process.argv.includes('--wait')
          ? `?wait=${Number(flags.wait === true ? 30000 : flags.wait)}`
          : '';
        print(
          await call(flags, `/v1/commands${wait}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ type, payload, ...(flags.id ? { id: flags.id } : {}) }),
          }),
        );
      } catch (error) {
        fail(error);
      }
    });
  const get = clientCommand('get')
    .description('Show one Command: state, attempts, outcomes, events.')
    .argument('<id>')
    .action(async (id, flags) => {
      try {
        print(await call(flags, `/v1/commands/${encodeURIComponent(id)}`));
      } catch (error) {
        fail(error);
      }
    });
  const list = clientCommand('list')
    .description('List Commands, unfinished first.')
    .addOption(
      new Option('--state <state>').choices([
        'pending',
        'executing',
        'delayed',
        'blocked',
        'done',
      ] as const),
    )
    .option('--type <type>')
    .option('--id-prefix <prefix>', 'ids starting with this')
    .option('--service <service>', 'types that call this service')
    .option('--since <time>', 'accepted at or after (ms since the epoch or an ISO date)')
    .option('--until <time>', 'accepted before (ms since the epoch or an ISO date)')
    .option('--after <cursor>', "the page after this one (a list's `next`)")
    .option('--limit <n>', 'at most this many', '100')
    .action(async (flags) => {
      try {
        const query = new URLSearchParams({ limit: flags.limit });
        const filters = {
          state: flags.state,
          type: flags.type,
          idPrefix: flags.idPrefix,
          service: flags.service,
          since: flags.since,
          until: flags.until,
          after: flags.after,
        };
        for (const [name, value] of Object.entries(filters)) if (value) query.set(name, value);
        print(await call(flags, `/v1/commands?${query}`));
      } catch (error) {
        fail(error);
      }
    });
  const status = clientCommand('status')
    .description("Show a node's readiness, suspension and load.")
    .action(async (flags) => {
      try {
        const { status, body } = await request(flags, '/readyz');
        print({ ready: status === 200, ...body });
      } catch (error) {
        fail(error);
      }
    });
  const act = (action: 'retry' | 'cancel', description: string) =>
    clientCommand(action)
      .description(description)
      .argument('<id>')
      .action(async (id, flags) => {
        try {
          print(
            await call(flags, `/v1/commands/${encodeURIComponent(id)}/${action}`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: '{}',
            }),
          );
        } catch (error) {
          fail(error);
        }
      });
  const retry = act('retry', "Run a delayed or blocked Command's next attempt now.");
  const cancel = act(
    'cancel',
    'Cancel a Command: a saga compensates its completed steps, a code body ends at its next step.',
  );
  return [submit, get, list, status, retry, cancel, outcomesCommand()] as const;
}
