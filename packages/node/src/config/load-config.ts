import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
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

/**
 * Loads a config module (`.js`, `.mjs` or `.ts`) and checks its shape. TypeScript modules are
 * compiled on the fly by tsx.
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
  const { commands, receiver, options } = config as Partial<NodeConfig<unknown>>;
  if (!Array.isArray(commands) || commands.length === 0) throw invalid(file, 'names no `commands`');
  if (typeof receiver !== 'function') throw invalid(file, 'has no `receiver` factory');
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw invalid(file, 'has `options` that are not an object');
  }
  return config as NodeConfig<unknown>;
}
