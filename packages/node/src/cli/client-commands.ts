import { Command, Option } from '@commander-js/extra-typings';
import { CoordinatorError } from '@coordinator/core';
import { fail } from './start-command.js';

const urlOption = () =>
  new Option('--url <url>', 'HTTP address of a node')
    .env('COORDINATOR_URL')
    .default('http://127.0.0.1:7401');

async function call(url: string, path: string, init?: RequestInit): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(new URL(path, url), init);
  } catch (error) {
    throw new CoordinatorError(
      'CONNECTION_LOST',
      `No node answers at ${url}: ${(error as Error).message}; is it started?`,
    );
  }
  const body = (await response.json().catch(() => ({}))) as {
    error?: { code?: string; message?: string };
  };
  if (!response.ok && body.error) {
    const code = body.error.code ?? 'PROTOCOL';
    throw new CoordinatorError(code as never, body.error.message ?? `HTTP ${response.status}`);
  }
  return body;
}

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** `submit`, `get`, `list` and `status`: a client of a node's HTTP API. */
export function runClientCommand() {
  const submit = new Command('submit')
    .description('Submit a Command; prints its id and state (with --wait, its result).')
    .argument('<type>', 'Command type')
    .argument('<payload>', 'payload as JSON')
    .option('--id <id>', 'Command id (a resubmit with the same id never runs twice)')
    .option('--wait [ms]', 'wait up to this long for the result', '30000')
    .addOption(urlOption())
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
          await call(flags.url, `/v1/commands${wait}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ type, payload, ...(flags.id ? { id: flags.id } : {}) }),
          }),
        );
      } catch (error) {
        fail(error);
      }
    });
  const get = new Command('get')
    .description('Show one Command: state, attempts, outcomes, events.')
    .argument('<id>')
    .addOption(urlOption())
    .action(async (id, flags) => {
      try {
        print(await call(flags.url, `/v1/commands/${encodeURIComponent(id)}`));
      } catch (error) {
        fail(error);
      }
    });
  const list = new Command('list')
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
    .option('--limit <n>', 'at most this many', '100')
    .addOption(urlOption())
    .action(async (flags) => {
      try {
        const query = new URLSearchParams({ limit: flags.limit });
        if (flags.state) query.set('state', flags.state);
        if (flags.type) query.set('type', flags.type);
        print(await call(flags.url, `/v1/commands?${query}`));
      } catch (error) {
        fail(error);
      }
    });
  const status = new Command('status')
    .description("Show a node's readiness, suspension and load.")
    .addOption(urlOption())
    .action(async (flags) => {
      try {
        const response = await fetch(new URL('/readyz', flags.url)).catch((error: Error) => {
          throw new CoordinatorError(
            'CONNECTION_LOST',
            `No node answers at ${flags.url}: ${error.message}`,
          );
        });
        print({ ready: response.status === 200, ...((await response.json()) as object) });
      } catch (error) {
        fail(error);
      }
    });
  return [submit, get, list, status] as const;
}
