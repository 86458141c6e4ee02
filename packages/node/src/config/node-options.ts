import { defineOptions, driverOptions, type OptionsOf, option } from '@coordinator/core';
import { httpServerOptions } from '@coordinator/transport';
import { fileLogOptions } from '../file-log/file-log-options.js';
import { kafkaLogOptions } from '../kafka-log/kafka-log-options.js';

const {
  dir,
  sync,
  segmentBytes,
  retainSegments,
  outcomeRetention,
  outcomeRetentionByService,
  archiveSegmentBytes,
} = fileLogOptions.options;
const { brokers, topic, groupId } = kafkaLogOptions.options;

const file = (flag: string, description: string) =>
  option.string({ allowEmpty: true, default: '', flag, description });

/**
 * A node's options: the Driver's, the file log's (`dataDir`, `sync`, `retainSegments`, the
 * Outcome retentions), the Kafka log's
 * (`kafkaBrokers`, `kafkaTopic`, `kafkaGroupId`), HttpServer's `metricsPublic` and the node's own.
 * `resolveLayers` takes them as defaults < config file < `COORDINATOR_*` environment < flags;
 * `docs/node.md` lists them all (a test keeps it in step).
 */
export const nodeOptions = defineOptions('node', {
  dataDir: dir.with({
    default: './coordinator-data',
    flag: 'data-dir',
    description: "the file log's directory (one node at a time)",
  }),
  streamAddress: option.address({
    default: '127.0.0.1:7400',
    flag: 'stream',
    description: 'stream protocol address',
  }),
  httpAddress: option.address({
    default: '127.0.0.1:7401',
    flag: 'http',
    description: 'HTTP address',
  }),
  nodeId: option.string({
    default: 'node-1',
    flag: 'node-id',
    pattern: /^[A-Za-z0-9_.-]{1,64}$/,
    expected: 'letters, digits, ".", "_" or "-" (up to 64)',
    description: "this node's name in logs, metrics and the stream handshake",
  }),
  ...driverOptions.options,
  shutdownTimeoutMs: option.integer({
    min: 0,
    default: 10_000,
    description: 'how long a shutdown waits for running steps before it exits anyway',
  }),
  sync,
  segmentBytes,
  retainSegments: retainSegments.with({ flag: 'retain-segments' }),
  outcomeRetention: outcomeRetention.with({ flag: 'outcome-retention' }),
  outcomeRetentionByService: outcomeRetentionByService.with({
    flag: 'outcome-retention-by-service',
  }),
  archiveSegmentBytes,
  logLevel: option.oneOf({
    values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    default: 'info',
    flag: 'log-level',
    description: 'log level',
  }),
  kafkaBrokers: brokers.with({
    min: 0,
    default: [],
    flag: 'kafka',
    description: 'join a cluster on these Kafka brokers instead of the file log',
  }),
  kafkaTopic: topic.with({ flag: 'kafka-topic', description: 'the events topic' }),
  kafkaGroupId: groupId.with({ flag: 'kafka-group', description: "the cluster's consumer group" }),
  internalAddress: option.address({
    default: '127.0.0.1:7402',
    flag: 'internal',
    description: 'cluster: where peers forward Commands of this node (stream protocol)',
  }),
  peers: option.addressList({
    default: [],
    flag: 'peers',
    description: "cluster: the other nodes' internal addresses",
  }),
  waitLogIntervalMs: option.integer({
    min: 1,
    default: 10_000,
    description:
      "delayed and blocked steps: the first of a service's outage is logged at once, then a summary per service this often",
  }),
  apiToken: option.string({
    allowEmpty: true,
    default: '',
    pattern: /^\S*$/,
    expected: 'a token without whitespace',
    description:
      'the API token HTTP routes (but the probes) and stream clients, peers included, must present',
  }),
  apiTokenFile: file('api-token-file', 'file holding the API token, in place of apiToken'),
  metricsPublic: httpServerOptions.options.metricsPublic.with({ flag: 'metrics-public' }),
  allowInsecure: option.boolean({
    default: false,
    flag: 'allow-insecure',
    description: 'listen beyond loopback without an API token (not advised; logs a warning)',
  }),
  tlsCertFile: file('tls-cert', 'PEM certificate: every listener speaks TLS (with --tls-key)'),
  tlsKeyFile: file('tls-key', 'PEM private key of --tls-cert'),
  tlsCaFile: file('tls-ca', "PEM CA that peers' certificates are checked against"),
});

export type NodeOptions = OptionsOf<typeof nodeOptions>;
