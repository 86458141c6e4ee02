import { existsSync } from 'node:fs';
import { Command } from '@commander-js/extra-typings';
import { CoordinatorError, type CoordinatorEvent } from '@coordinator/core';
import { loadConfig } from '../config/load-config.js';
import { nodeOptions } from '../config/node-options.js';
import { createNode } from '../node.js';
import { fail } from './fail.js';
import { nodeFlags, nodeFlagValues } from './node-flags.js';

const defaultConfigs = ['coordinator.config.ts', 'coordinator.config.mjs', 'coordinator.config.js'];

/**
 * Prints recovery progress on stderr, `replayed X of ~Y records`: one updating line on a
 * terminal, a line a second elsewhere.
 */
function recoveryProgress(): (event: CoordinatorEvent) => void {
  const tty = process.stderr.isTTY === true;
  /** Per partition: records replayed, and about how many its replay reads. */
  const partitions = new Map<number, { records: number; total: number }>();
  let last = 0;
  let shown = false;
  return (event) => {
    if (event.type === 'recovery.progress') {
      partitions.set(event.partition, { records: event.records, total: event.total });
      const now = Date.now();
      if (now - last < (tty ? 100 : 1000)) return;
      last = now;
      shown = true;
      let done = 0;
      let total = 0;
      for (const p of partitions.values()) {
        done += p.records;
        total += Math.max(p.total, p.records);
      }
      const line = `recovering: replayed ${done.toLocaleString('en')} of ~${total.toLocaleString('en')} records`;
      process.stderr.write(tty ? `\r${line}\u001b[K` : `${line}\n`);
    } else if (event.type === 'recovery.done' && shown && tty) {
      process.stderr.write('\r\u001b[K');
      shown = false;
    }
  };
}

export function startCommand() {
  const command = new Command('start')
    .description('Start a node: recover the log, then serve the stream protocol and HTTP.')
    .option(
      '-c, --config <file>',
      `config module (default: ${defaultConfigs.join(', ')} in the current directory; env COORDINATOR_CONFIG)`,
    );
  for (const flag of nodeFlags()) command.addOption(flag);
  return command.action(async (flags) => {
    try {
      const path =
        flags.config ?? process.env.COORDINATOR_CONFIG ?? defaultConfigs.find((f) => existsSync(f));
      if (!path) {
        throw new CoordinatorError(
          'INVALID_OPTION',
          `No config: pass --config <file> or create ${defaultConfigs[0]} (see examples/order-saga)`,
        );
      }
      const config = await loadConfig(path);
      const node = createNode({
        config,
        overrides: [
          { source: 'environment', values: nodeOptions.fromEnv(process.env) },
          { source: 'flags', values: nodeFlagValues(flags) },
        ],
        onEvent: recoveryProgress(),
      });
      let stopping = false;
      const stop = (signal: string) => {
        if (stopping) process.exit(1);
        stopping = true;
        node.log.info(`${signal}: shutting down`);
        node.close().then(
          () => process.exit(0),
          (error: unknown) => fail(error),
        );
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
      await node.start();
    } catch (error) {
      fail(error);
    }
  });
}
