import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { CoordinatorError } from '@coordinator/core';
import type { NodeOptions } from './config/node-options.js';

/** What guards a node's listeners: the API token and the TLS material, read from their files. */
export interface ListenerSecurity {
  readonly token?: string;
  readonly tls?: { readonly cert: Buffer; readonly key: Buffer; readonly ca?: Buffer };
  /** The CA peers are checked against (a cluster's internal connections). */
  readonly ca?: Buffer;
}

function invalid(message: string): CoordinatorError {
  return new CoordinatorError('INVALID_OPTION', message);
}

async function readOption(name: string, file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw invalid(`Cannot read \`${name}\` ${file}: ${(error as Error).message}`);
  }
}

/** Whether a listen host is only reachable from this machine. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost' || host === '::1' || host === '[::1]') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/**
 * Reads the token and TLS files and checks that no listener is open beyond loopback without a
 * token, unless `allowInsecure` says so (the caller then logs a warning).
 * @throws CoordinatorError `INVALID_OPTION` naming the option and what to do.
 */
export async function loadListenerSecurity(
  options: NodeOptions,
  listeners: readonly { readonly name: string; readonly host: string; readonly port: number }[],
): Promise<ListenerSecurity & { readonly exposed: readonly string[] }> {
  if (options.apiToken !== '' && options.apiTokenFile !== '') {
    throw invalid('Set `apiToken` or `apiTokenFile`, not both');
  }
  let token = options.apiToken || undefined;
  if (options.apiTokenFile !== '') {
    token = (await readOption('apiTokenFile', options.apiTokenFile)).toString('utf8').trim();
    if (token === '' || /\s/.test(token)) {
      throw invalid(
        `Expected \`apiTokenFile\` ${options.apiTokenFile} to hold one token without whitespace`,
      );
    }
  }
  const exposed = listeners
    .filter((l) => !isLoopback(l.host))
    .map((l) => `${l.name} ${l.host}:${l.port}`);
  if (exposed.length > 0 && token === undefined && !options.allowInsecure) {
    throw invalid(
      `Refusing to listen on ${exposed.join(', ')} without an API token: anyone who can reach it could submit and read every Command. Set \`apiToken\` (COORDINATOR_API_TOKEN) or \`apiTokenFile\`, listen on 127.0.0.1, or set \`allowInsecure\` to accept the risk`,
    );
  }
  if ((options.tlsCertFile === '') !== (options.tlsKeyFile === '')) {
    throw invalid('Set both `tlsCertFile` and `tlsKeyFile` to serve TLS, or neither');
  }
  const ca =
    options.tlsCaFile === '' ? undefined : await readOption('tlsCaFile', options.tlsCaFile);
  const tls =
    options.tlsCertFile === ''
      ? undefined
      : {
          cert: await readOption('tlsCertFile', options.tlsCertFile),
          key: await readOption('tlsKeyFile', options.tlsKeyFile),
          ...(ca ? { ca } : {}),
        };
  return {
    ...(token === undefined ? {} : { token }),
    ...(tls ? { tls } : {}),
    ...(ca ? { ca } : {}),
    exposed: token === undefined ? exposed : [],
  };
}
