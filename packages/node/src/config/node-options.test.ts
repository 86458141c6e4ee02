import { readFileSync } from 'node:fs';
import { driverOptions, envName, formatRetention, readRetention } from '@coordinator/core';
import { describe, expect, it } from 'vitest';
import { nodeOptions } from './node-options.js';

describe('node options', () => {
  it('layer defaults < config file < environment < flags', () => {
    const options = nodeOptions.resolveLayers([
      { source: 'config file', values: { maxCmds: 10, jitterMs: 5 } },
      {
        source: 'environment',
        values: nodeOptions.fromEnv({ COORDINATOR_MAX_CMDS: '20', COORDINATOR_SYNC: 'none' }),
      },
      { source: 'flags', values: { maxCmds: '30', dataDir: undefined } },
    ]);
    expect(options).toMatchObject({
      maxCmds: 30,
      jitterMs: 5,
      sync: 'none',
      dataDir: nodeOptions.defaults.dataDir,
    });
    expect(Object.isFrozen(options)).toBe(true);
  });

  it('are composed from the Driver, file log, Kafka log and HTTP server declarations', () => {
    expect(nodeOptions.defaults).toMatchObject(driverOptions.defaults);
    expect(nodeOptions.options.kafkaTopic.expected).toMatch(/Kafka topic name/);
    expect(
      nodeOptions.resolveLayers([
        { source: 'flags', values: { kafkaBrokers: 'a:9092,b:9092', peers: '' } },
      ]),
    ).toMatchObject({
      kafkaBrokers: ['a:9092', 'b:9092'],
      peers: [],
    });
  });

  it('read Outcome retentions from the config file, the environment and flags', () => {
    const options = nodeOptions.resolveLayers([
      { source: 'config file', values: { outcomeRetentionByService: { audit: 'forever' } } },
      {
        source: 'environment',
        values: nodeOptions.fromEnv({ COORDINATOR_OUTCOME_RETENTION: '30d' }),
      },
      { source: 'flags', values: { outcomeRetentionByService: 'payments=10GiB, cache=none' } },
    ]);
    expect(options.outcomeRetention).toEqual({ kind: 'age', ms: 30 * 86_400_000 });
    expect(options.outcomeRetentionByService).toEqual({
      payments: { kind: 'size', bytes: 10 * 2 ** 30 },
      cache: { kind: 'none' },
    });
    expect(nodeOptions.defaults.outcomeRetention).toEqual({ kind: 'forever' });
  });

  it('map option names to COORDINATOR_* variables', () => {
    expect(envName('maxCmds')).toBe('COORDINATOR_MAX_CMDS');
    expect(nodeOptions.env.slowRetryIntervalMs).toBe('COORDINATOR_SLOW_RETRY_INTERVAL_MS');
    expect(
      nodeOptions.fromEnv({ COORDINATOR_DATA_DIR: '/d', COORDINATOR_NODE_ID: '', OTHER: 'x' }),
    ).toEqual({ dataDir: '/d' });
  });

  it.each([
    [
      { maxCmds: 0 },
      'Expected node option `maxCmds` (from flags) to be an integer from 1 and up, got `0` (number)',
    ],
    [
      { jitterMs: 'lots' },
      'Expected node option `jitterMs` (from flags) to be an integer from 0 and up, got `lots` (string)',
    ],
    [
      { sync: 'sometimes' },
      'Expected node option `sync` (from flags) to be one of "data", "none", got `sometimes` (string)',
    ],
    [
      { httpAddress: 'localhost' },
      'Expected node option `httpAddress` (from flags) to be a `host:port` address',
    ],
    [
      { outcomeRetention: '3 weeks' },
      'Expected node option `outcomeRetention` (from flags) to be `forever`, `none` (or 0), an age',
    ],
    [
      { outcomeRetentionByService: 'payments' },
      'Expected node option `outcomeRetentionByService` (from flags) to be service=retention pairs',
    ],
    [{ maxCmd: 3 }, 'Unknown node option `maxCmd` (from flags)'],
  ])(
    'refuse %j naming the option, its source, the expectation and the value',
    (values, message) => {
      expect(() => nodeOptions.resolveLayers([{ source: 'flags', values }])).toThrow(message);
      expect(() => nodeOptions.resolveLayers([{ source: 'flags', values }])).toThrow(
        expect.objectContaining({ code: 'INVALID_OPTION' }),
      );
    },
  );
});

describe('docs/node.md', () => {
  const doc = readFileSync(new URL('../../../../docs/node.md', import.meta.url), 'utf8');
  const table = doc.slice(doc.indexOf('## Options'), doc.indexOf('## Shutdown'));
  const rows = [...table.matchAll(/^\| `(\w+)` \| (.*?) \| `(\w+)` \| (.*?) \|/gm)].map(
    ([, name, flag, env, fallback]) => ({ name, flag, env, fallback }),
  );

  /** How the table shows a default: `./coordinator-data`, 10000, false, (empty...). */
  function shown(value: unknown): string {
    if (value === '' || (Array.isArray(value) && value.length === 0)) return '(empty';
    const retention = typeof value === 'object' ? readRetention(value) : undefined;
    if (retention) return `\`${formatRetention(retention)}\``;
    if (typeof value === 'object' && value !== null && Object.keys(value).length === 0) {
      return '(empty';
    }
    return typeof value === 'string' ? `\`${value}\`` : String(value);
  }

  it('lists every node option with its flag, environment variable and default, and nothing else', () => {
    expect(rows.map((r) => r.name).sort()).toEqual(Object.keys(nodeOptions.options).sort());
    for (const { name, flag, env, fallback } of rows) {
      const option = nodeOptions.options[name as keyof typeof nodeOptions.options];
      expect({ name, flag, env }).toEqual({
        name,
        flag: option.flag === undefined ? '—' : `\`--${option.flag}\``,
        env: nodeOptions.env[name as keyof typeof nodeOptions.env],
      });
      expect(fallback?.startsWith(shown(option.default)), `default of ${name}`).toBe(true);
    }
  });
});
