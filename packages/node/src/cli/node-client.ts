import { readFile } from 'node:fs/promises';
import { Command, Option } from '@commander-js/extra-typings';
import { CoordinatorError } from '@coordinator/core';
import { fetchTrusting } from '@coordinator/transport';

/** How every client command reaches a node: its URL, the API token, a CA for HTTPS. */
export interface Target {
  readonly url: string;
  readonly token?: string | undefined;
  readonly ca?: string | undefined;
}

const urlOption = () =>
  new Option('--url <url>', 'HTTP(S) address of a node')
    .env('COORDINATOR_URL')
    .default('http://127.0.0.1:7401');
const tokenOption = () =>
  new Option('--token <token>', "the node's API token").env('COORDINATOR_API_TOKEN');
const caOption = () =>
  new Option('--ca <file>', 'PEM CA file to trust for an https:// node').env(
    'COORDINATOR_TLS_CA_FILE',
  );

/** A command that talks to a node: `--url`, `--token` and `--ca` come with it. */
export function clientCommand(name: string) {
  return new Command(name).addOption(urlOption()).addOption(tokenOption()).addOption(caOption());
}

/** One request to the node: status and JSON body. */
export async function request(
  target: Target,
  path: string,
  init: RequestInit = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const { url } = target;
  const fetcher = target.ca ? await fetchTrusting(await readFile(target.ca)) : fetch;
  let response: Response;
  try {
    response = await fetcher(new URL(path, url), {
      ...init,
      headers: {
        ...(init.headers as Record<string, string> | undefined),
        ...(target.token ? { authorization: `Bearer ${target.token}` } : {}),
      },
    });
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    throw new CoordinatorError(
      'CONNECTION_LOST',
      `No node answers at ${url}: ${(error as Error).message}${cause ? ` (${cause})` : ''}; is it started?`,
    );
  }
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  return { status: response.status, body };
}

/** A request whose error answer (`{error: {code, message}}`) is thrown as that coded error. */
export async function call(target: Target, path: string, init?: RequestInit): Promise<unknown> {
  const { status, body } = await request(target, path, init);
  const error = body.error as { code?: string; message?: string } | undefined;
  if (status >= 400) {
    throw new CoordinatorError(
      (error?.code ?? 'PROTOCOL') as never,
      error?.message ?? `HTTP ${status}`,
    );
  }
  return body;
}
