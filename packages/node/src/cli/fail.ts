import { CoordinatorError } from '@coordinator/core';

/** Ends a CLI command on an error: its code and message on stderr; exit 2 for bad options, else 1. */
export function fail(error: unknown): never {
  if (error instanceof CoordinatorError) {
    process.stderr.write(`coordinator: ${error.code}: ${error.message}\n`);
    process.exit(error.code === 'INVALID_OPTION' ? 2 : 1);
  }
  process.stderr.write(
    `coordinator: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
}
