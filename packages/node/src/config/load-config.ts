import { access } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CoordinatorError } from '@coordinator/core';
import type { NodeConfig } from './define-config.js';

let registered: Promise<unknown> | undefined;

/**
 * Lets this process import TypeScript. tsx's hooks are registered process-wide (not `tsImport`'s
 * separate namespace), so the config and the node share one copy of every module.
 */
function registerTypeScript(): Promise<unknown> {
  registered ??= import('tsx/esm/api').then(({ register }) => register());
  return registered;
}

function invalid(file: string, what: string): CoordinatorError {
  return new CoordinatorError(
    'INVALID_OPTION',
    `Config ${file} ${what}; its default export must be defineConfig({ commands, receiver, options })`,
  );
}

/** The node options that name a file or directory. */
const pathOptions = ['dataDir', 'apiTokenFile', 'tlsCertFile', 'tlsKeyFile', 'tlsCaFile'];

/**
 * A config's relative paths resolved against the config file's directory, so a project's config
 * means the same files wherever the node is started from. (Paths from flags and the environment
 * are relative to the directory the command runs in.)
 */
function anchored(config: NodeConfig<unknown>, dir: string): NodeConfig<unknown> {
  const options: Record<string, unknown> = { ...config.options };
  for (const name of pathOptions) {
    const value = options[name];
    if (typeof value === 'string' && value !== '' && !isAbsolute(value)) {
      options[name] = resolve(dir, value);
    }
  }
  return { ...config, options };
}

/**
 * Loads a config module (`.js`, `.mjs` or `.ts`) and checks its shape. TypeScript modules are
 * compiled on the fly by tsx. `path` is relative to the current directory; the config's own
 * relative paths (`dataDir`, the token and TLS files) to the config file's directory.
 * @throws CoordinatorError `INVALID_OPTION` when the file is missing or its export is wrong.
 */
export async function loadConfig(path: string): Promise<NodeConfig<unknown>> {
  const file = resolve(path);
  try {
    await access(file);
  } catch {
    throw new CoordinatorError('INVALID_OPTION', `Config file ${file} does not exist`);
  }
  const url = pathToFileURL(file).href;
  if (/\.[cm]?ts$/.test(file)) await registerTypeScript();
  const module = (await import(url)) as { default?: unknown };
  const config = (module.default as { default?: unknown } | undefined)?.default ?? module.default;
  if (typeof config !== 'object' || config === null) throw invalid(file, 'has no default export');
  const { commands, receiver, options, outcomeReplay } = config as Partial<NodeConfig<unknown>>;
  if (!Array.isArray(commands) || commands.length === 0) throw invalid(file, 'names no `commands`');
  if (typeof receiver !== 'function') throw invalid(file, 'has no `receiver` factory');
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw invalid(file, 'has `options` that are not an object');
  }
  if (outcomeReplay !== undefined && typeof outcomeReplay !== 'function') {
    throw invalid(file, 'has an `outcomeReplay` that is not a function');
  }
  return anchored(config as NodeConfig<unknown>, dirname(file));
}
