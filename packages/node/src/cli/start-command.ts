import { existsSync } from 'node:fs';
import { Command, Option } from '@commander-js/extra-typings';
import { CoordinatorError, type CoordinatorEvent } from '@coordinator/core';
import { loadConfig } from '../config/load-config.js';
import { optionsFromEnv } from '../config/node-options.js';
import { createNode } from '../node.js';

const defaultConfigs = ['coordinator.config.ts', 'coordinator.config.mjs', 'coordinator.config.js'];

/**
 * Prints recovery progress on stderr, `replayed X of ~Y records`: one updating line on a
 * terminal, a line a second elsewhere.
 */
function recoveryProgress(): (event: CoordinatorEvent) => void {
  const tty = process.stderr.isTTY === true;
  const replayed = new Map<number, number>();
  let expected = 0;
  let last = 0;
  let shown = false;
  return (event) => {
    if (event.type === 'recovery.started') {
      expected = event.records;
    } else if (event.type === 'recovery.progress') {
      replayed.set(event.partition, event.records);
      const now = Date.now();
      if (now - last < (tty ? 100 : 1000)) return;
      last = now;
      shown = true;
      let done = 0;
      for (const count of replayed.values()) done += count;
      const line = `recovering: replayed ${done.toLocaleString('en')} of ~${Math.max(expected, done).toLocaleString('en')} records`;
      process.stderr.write(tty ? `\r${line}\u001b[K` : `${line}\n`);
    } else if (event.type === 'recovery.done' && shown && tty) {
      process.stderr.write('\r\u001b[K');
      shown = false;
    }
  };
}

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

export function startCommand() {
  return new Command('start')
    .description('Start a node: recover the log, then serve the stream protocol and HTTP.')
    .option(
      '-c, --config <file>',
      `config module (default: ${defaultConfigs.join(', ')} in the current directory; env COORDINATOR_CONFIG)`,
    )
    .option('--data-dir <dir>', 'data directory of the file log')
    .option('--stream <host:port>', 'stream protocol address')
    .option('--http <host:port>', 'HTTP address')
    .option('--node-id <id>', "this node's name")
    .option('--max-cmds <n>', 'most unfinished Commands; over it new ones get OVERLOADED')
    .option('--slow-retry-interval <ms>', 'retry interval of delayed and blocked Commands')
    .option('--fast-retry-interval <ms>', 'retry interval after the first success while suspended')
    .option('--jitter <ms>', 'each retry interval ± up to this much')
    .option('--partitions <n>', 'partition count (fixed per data directory or Kafka topic)')
    .option(
      '--kafka <brokers>',
      'join a cluster on these Kafka brokers (host:port,...) instead of the file log',
    )
    .option('--kafka-topic <topic>', 'the events topic')
    .option('--kafka-group <id>', "the cluster's consumer group")
    .option('--internal <host:port>', 'cluster: where peers forward Commands of this node')
    .option('--peers <addresses>', "cluster: the other nodes' internal addresses (host:port,...)")
    .option('--api-token-file <file>', 'file holding the API token (or COORDINATOR_API_TOKEN)')
    .option('--metrics-public', 'serve /metrics without the API token')
    .option('--allow-insecure', 'listen beyond loopback without an API token (not advised)')
    .option('--tls-cert <file>', 'PEM certificate: every listener speaks TLS (with --tls-key)')
    .option('--tls-key <file>', 'PEM private key of --tls-cert')
    .option('--tls-ca <file>', "PEM CA that peers' certificates are checked against")
    .addOption(
      new Option('--sync <mode>', 'durability: data (fdatasync) or the UNSAFE none').choices([
        'data',
        'none',
      ] as const),
    )
    .addOption(
      new Option('--log-level <level>', 'log level').choices([
        'fatal',
        'error',
        'warn',
        'info',
        'debug',
        'trace',
        'silent',
      ] as const),
    )
    .action(async (flags) => {
      try {
        const path =
          flags.config ??
          process.env.COORDINATOR_CONFIG ??
          defaultConfigs.find((f) => existsSync(f));
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
            { source: 'environment', values: optionsFromEnv(process.env) },
            {
              source: 'flags',
              values: {
                dataDir: flags.dataDir,
                streamAddress: flags.stream,
                httpAddress: flags.http,
                nodeId: flags.nodeId,
                maxCmds: flags.maxCmds,
                slowRetryIntervalMs: flags.slowRetryInterval,
                fastRetryIntervalMs: flags.fastRetryInterval,
                jitterMs: flags.jitter,
                partitions: flags.partitions,
                kafkaBrokers: flags.kafka,
                kafkaTopic: flags.kafkaTopic,
                kafkaGroupId: flags.kafkaGroup,
                internalAddress: flags.internal,
                peers: flags.peers,
                sync: flags.sync,
                logLevel: flags.logLevel,
                apiTokenFile: flags.apiTokenFile,
                metricsPublic: flags.metricsPublic,
                allowInsecure: flags.allowInsecure,
                tlsCertFile: flags.tlsCert,
                tlsKeyFile: flags.tlsKey,
                tlsCaFile: flags.tlsCa,
              },
            },
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
