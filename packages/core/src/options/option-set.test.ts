import { defineOptions, envName, option } from '@coordinator/core';
import { describe, expect, it } from 'vitest';

const server = defineOptions(
  'Server',
  {
    port: option.integer({ min: 1, max: 65_535, required: true, description: 'port' }),
    maxConnections: option.integer({ min: 1, default: 100, flag: 'max', description: 'cap' }),
    keepaliveMs: option.integer({ min: 1, default: 5000, description: 'ping interval' }),
    timeoutMs: option.integer({ min: 1, default: 15_000, description: 'drop interval' }),
    name: option.string({
      default: 'main',
      pattern: /^[a-z]+$/,
      expected: 'lowercase letters',
      description: 'name',
    }),
    token: option.string({ description: 'optional token' }),
    note: option.string({ allowEmpty: true, default: '', description: 'may be empty' }),
    verbose: option.boolean({ default: false, description: 'more output' }),
    mode: option.oneOf({ values: ['fast', 'safe'], default: 'safe', description: 'mode' }),
    listen: option.address({ default: '127.0.0.1:80', description: 'where' }),
    peers: option.addressList({ default: [], description: 'others' }),
    onEvent: option.fn<(event: string) => void>({ default: () => {}, description: 'events' }),
    tls: option.object<{ readonly cert: string }>({ description: 'TLS' }),
  },
  (o) =>
    o.timeoutMs > o.keepaliveMs
      ? undefined
      : { option: 'timeoutMs', expected: `above \`keepaliveMs\` (${o.keepaliveMs})` },
);

describe('defineOptions', () => {
  it('fills defaults into frozen options and leaves unset optional ones out', () => {
    const options = server.resolve({ port: 80, token: undefined });
    expect(options).toMatchObject({ port: 80, maxConnections: 100, mode: 'safe', peers: [] });
    expect('token' in options).toBe(false);
    expect(Object.isFrozen(options)).toBe(true);
    expect(Object.isFrozen(server.defaults)).toBe(true);
    expect(server.defaults).not.toHaveProperty('port');
  });

  it('derives environment names and reads them, ignoring empty ones', () => {
    expect(envName('slowRetryIntervalMs')).toBe('COORDINATOR_SLOW_RETRY_INTERVAL_MS');
    expect(server.env.maxConnections).toBe('COORDINATOR_MAX_CONNECTIONS');
    expect(server.fromEnv({ COORDINATOR_PORT: '81', COORDINATOR_NAME: '', OTHER: 'x' })).toEqual({
      port: '81',
    });
  });

  it('layers values (later wins), converting text from the environment and flags only', () => {
    const options = server.resolveLayers([
      { source: 'config file', values: { port: 80, verbose: true } },
      { source: 'environment', values: { port: '81', mode: 'fast', peers: 'a:1, b:2' } },
      { source: 'flags', values: { maxConnections: '7', verbose: 'false' } },
    ]);
    expect(options).toMatchObject({ port: 81, maxConnections: 7, verbose: false, mode: 'fast' });
    expect(options.peers).toEqual(['a:1', 'b:2']);
    expect(() => server.resolve({ port: '80' } as never, 'config file')).toThrow(
      'Expected Server option `port` (from config file) to be an integer from 1 to 65535, got `80` (string)',
    );
  });

  it.each([
    [{ port: 0 }, 'Expected Server option `port` (from flags) to be an integer from 1 to 65535'],
    [{ port: '8x' }, 'Expected Server option `port` (from flags) to be an integer from 1 to 65535'],
    [{ name: 'A' }, 'Expected Server option `name` (from flags) to be lowercase letters'],
    [{ token: '' }, 'to be a non-empty string, got `` (string)'],
    [{ verbose: 'yes' }, 'Expected Server option `verbose` (from flags) to be true or false'],
    [{ mode: 'slow' }, 'to be one of "fast", "safe", got `slow` (string)'],
    [{ listen: 'localhost' }, 'to be a `host:port` address'],
    [{ listen: 'h:70000' }, 'to be a `host:port` address'],
    [{ peers: 'a:1,b' }, 'to be a comma-separated list of `host:port` addresses'],
    [{ onEvent: 'log' }, 'Expected Server option `onEvent` (from flags) to be a function'],
    [{ tls: 'x' }, 'Expected Server option `tls` (from flags) to be an object'],
    [{ keepaliveMs: 20_000 }, 'to be above `keepaliveMs` (20000), got `15000` (number)'],
    [{ maxConn: 1 }, 'Unknown Server option `maxConn` (from flags); known: port, maxConnections'],
  ])('refuses %j with INVALID_OPTION', (values, message) => {
    const run = () => server.resolve({ port: 80, ...values } as never, 'flags');
    expect(run).toThrow(message);
    expect(run).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  });

  it('refuses a missing required option', () => {
    expect(() => server.resolve({} as never)).toThrow(
      'Expected Server option `port` to be an integer from 1 to 65535, got `undefined` (undefined)',
    );
  });

  it('names the source of the option a cross-option rule refuses', () => {
    const layers = [
      { source: 'config file' as const, values: { port: 1, keepaliveMs: 100 } },
      { source: 'environment' as const, values: { timeoutMs: '100' } },
    ];
    expect(() => server.resolveLayers(layers)).toThrow(
      'Expected Server option `timeoutMs` (from environment) to be above `keepaliveMs` (100), got `100` (number)',
    );
  });

  it('redeclares an option with other metadata and presence, keeping its kind', () => {
    const port = server.options.port.with({ default: 8080, flag: 'port' });
    expect(port).toMatchObject({ presence: 'defaulted', default: 8080, flag: 'port' });
    expect(port.read('8081', true)).toEqual({ value: 8081 });
    expect(port.read(0, false)).toBeUndefined();
    const required = server.options.listen.with({ required: true });
    expect(required).toMatchObject({ presence: 'required', default: undefined });
    expect(server.options.peers.with({ min: 1 }).expected).toBe(
      'a non-empty comma-separated list of `host:port` addresses',
    );
  });

  it('picks its share of a larger set of options', () => {
    const driverShare = defineOptions('Part', { port: server.options.port });
    expect(driverShare.pick({ port: 1, other: 2 } as never)).toEqual({ port: 1 });
  });
});
