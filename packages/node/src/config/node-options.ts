import { CoordinatorError, type CoordinatorOptions, driverOptions } from '@coordinator/core';
import { z } from 'zod';

/**
 * A node's options: the driver's (`maxCmds`, retry intervals, jitter, partitions...) and the
 * node's own. Layered file < `COORDINATOR_*` environment < flags, validated once.
 */
export interface NodeOptions extends CoordinatorOptions {
  /** Where the file log keeps its partitions. @default "./coordinator-data" */
  readonly dataDir: string;
  /** The stream protocol listener, `host:port`. @default "127.0.0.1:7400" */
  readonly streamAddress: string;
  /** The HTTP listener, `host:port`. @default "127.0.0.1:7401" */
  readonly httpAddress: string;
  /** This node's name in logs, metrics and the stream handshake. @default "node-1" */
  readonly nodeId: string;
  /** How long a shutdown waits for running steps before it exits anyway. @default 10000 */
  readonly shutdownTimeoutMs: number;
  /** `data` (fdatasync before acknowledging) or the unsafe `none`. @default "data" */
  readonly sync: 'data' | 'none';
  /**
   * Delayed and blocked steps are logged per service: the first of an outage at once, then a
   * summary this often (counts, last error); each one at `debug`. @default 10000
   */
  readonly waitLogIntervalMs: number;
  /** pino level. @default "info" */
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /**
   * Kafka bootstrap brokers, comma-separated (`127.0.0.1:9092`). Empty: the embedded file log.
   * @default ""
   */
  readonly kafkaBrokers: string;
  /** The events topic (created with `partitions` partitions when missing). @default "coordinator.events" */
  readonly kafkaTopic: string;
  /** The consumer group the cluster's nodes share. @default "coordinator" */
  readonly kafkaGroupId: string;
  /**
   * In a cluster, where this node serves its own partitions to its peers (stream protocol).
   * @default "127.0.0.1:7402"
   */
  readonly internalAddress: string;
  /** In a cluster, the other nodes' internal addresses, comma-separated. @default "" */
  readonly peers: string;
  /**
   * The API token: when set, HTTP routes (but the probes) need `Authorization: Bearer <token>` and
   * stream clients (peers included) must send it in their hello. @default "" (none)
   */
  readonly apiToken: string;
  /** A file holding the API token (surrounding whitespace ignored), in place of `apiToken`. @default "" */
  readonly apiTokenFile: string;
  /** Serve `/metrics` without the token. @default false */
  readonly metricsPublic: boolean;
  /** Listen beyond loopback without an API token (a warning is logged). @default false */
  readonly allowInsecure: boolean;
  /** PEM certificate file: with `tlsKeyFile`, every listener speaks TLS (HTTPS). @default "" */
  readonly tlsCertFile: string;
  /** PEM private key file of `tlsCertFile`. @default "" */
  readonly tlsKeyFile: string;
  /** PEM CA file peers' certificates are checked against (in a cluster). @default "" */
  readonly tlsCaFile: string;
}

export const defaultNodeOptions: Readonly<NodeOptions> = Object.freeze({
  ...driverOptions.defaults,
  dataDir: './coordinator-data',
  streamAddress: '127.0.0.1:7400',
  httpAddress: '127.0.0.1:7401',
  nodeId: 'node-1',
  shutdownTimeoutMs: 10_000,
  sync: 'data',
  waitLogIntervalMs: 10_000,
  logLevel: 'info',
  kafkaBrokers: '',
  kafkaTopic: 'coordinator.events',
  kafkaGroupId: 'coordinator',
  internalAddress: '127.0.0.1:7402',
  peers: '',
  apiToken: '',
  apiTokenFile: '',
  metricsPublic: false,
  allowInsecure: false,
  tlsCertFile: '',
  tlsKeyFile: '',
  tlsCaFile: '',
});

const address = z
  .string()
  .regex(/^[^\s:]*:\d{1,5}$/, 'a `host:port` address such as 127.0.0.1:7400');
const count = (min: number) => z.coerce.number().int().min(min);
const flag = z.preprocess(
  (value) => (value === 'true' ? true : value === 'false' ? false : value),
  z.boolean(),
);

const schema = z.strictObject({
  dataDir: z.string().min(1),
  streamAddress: address,
  httpAddress: address,
  nodeId: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, ".", "_" or "-" (up to 64)'),
  maxCmds: count(1),
  slowRetryIntervalMs: count(0),
  fastRetryIntervalMs: count(0),
  jitterMs: count(0),
  partitions: count(1),
  snapshotAfterRecords: count(1),
  checkpointIntervalMs: count(1),
  doneRetention: count(0),
  shutdownTimeoutMs: count(0),
  sync: z.enum(['data', 'none']),
  waitLogIntervalMs: count(1),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  kafkaBrokers: z
    .string()
    .regex(/^$|^[^\s:,]+:\d{1,5}(,[^\s:,]+:\d{1,5})*$/, 'comma-separated `host:port` brokers'),
  kafkaTopic: z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'a Kafka topic name'),
  kafkaGroupId: z.string().min(1),
  internalAddress: address,
  peers: z
    .string()
    .regex(/^$|^[^\s:,]*:\d{1,5}(,[^\s:,]*:\d{1,5})*$/, 'comma-separated `host:port` addresses'),
  apiToken: z.string().regex(/^\S*$/, 'a token without whitespace'),
  apiTokenFile: z.string(),
  metricsPublic: flag,
  allowInsecure: flag,
  tlsCertFile: z.string(),
  tlsKeyFile: z.string(),
  tlsCaFile: z.string(),
});

const names = Object.keys(defaultNodeOptions) as (keyof NodeOptions)[];

/** `maxCmds` → `COORDINATOR_MAX_CMDS`. */
export function envName(option: string): string {
  return `COORDINATOR_${option.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

/** The options set through `COORDINATOR_*` variables. */
export function optionsFromEnv(env: NodeJS.ProcessEnv): Partial<Record<keyof NodeOptions, string>> {
  const found: Partial<Record<keyof NodeOptions, string>> = {};
  for (const name of names) {
    const value = env[envName(name)];
    if (value !== undefined && value !== '') found[name] = value;
  }
  return found;
}

function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return `\`${text}\` (${value === null ? 'null' : typeof value})`;
}

export interface OptionLayer {
  /** Where these options came from, for error messages: `config file`, `environment`, `flags`. */
  readonly source: string;
  readonly values: Readonly<Record<string, unknown>>;
}

/**
 * Merges option layers over the defaults (later layers win) and validates the result once.
 * @throws CoordinatorError `INVALID_OPTION` naming the option, its source, the expectation and the
 * value.
 */
export function resolveNodeOptions(layers: readonly OptionLayer[]): NodeOptions {
  const merged: Record<string, unknown> = { ...defaultNodeOptions };
  const origin: Record<string, string> = {};
  for (const { source, values } of layers) {
    for (const [name, value] of Object.entries(values)) {
      if (value === undefined) continue;
      if (!names.includes(name as keyof NodeOptions)) {
        throw new CoordinatorError(
          'INVALID_OPTION',
          `Unknown option \`${name}\` in ${source}; known options: ${names.join(', ')}`,
        );
      }
      merged[name] = value;
      origin[name] = source;
    }
  }
  const parsed = schema.safeParse(merged);
  if (parsed.success) return Object.freeze(parsed.data);
  const issue = parsed.error.issues[0];
  const name = String(issue?.path[0] ?? '');
  const value = merged[name];
  const expected =
    issue?.code === 'too_small'
      ? `an integer from ${String((issue as { minimum: unknown }).minimum)} and up`
      : issue?.code === 'invalid_value'
        ? `one of ${(issue as { values: unknown[] }).values.map((v) => JSON.stringify(v)).join(', ')}`
        : issue?.code === 'invalid_type'
          ? `a ${String((issue as { expected: unknown }).expected)}`
          : (issue?.message ?? 'a valid value');
  throw new CoordinatorError(
    'INVALID_OPTION',
    `Expected \`${name}\` (from ${origin[name] ?? 'defaults'}) to be ${expected}, got ${shown(value)}`,
  );
}
