import { describe, expect, it } from 'vitest';
import { MemoryCommandHandler } from '../testing/memory-command-handler.js';
import { StreamServer } from './stream-server.js';

describe('options', () => {
  const handler = new MemoryCommandHandler();

  it('fills defaults into a frozen object', () => {
    const server = new StreamServer(handler, { maxFrameBytes: 4096 });
    expect(server.options.maxFrameBytes).toBe(4096);
    expect(server.options.maxPendingPerConnection).toBe(1024);
    expect(Object.isFrozen(server.options)).toBe(true);
  });

  it('names the option, the expectation and the value', () => {
    expect(() => new StreamServer(handler, { maxPendingPerConnection: 0 })).toThrow(
      'Expected StreamServer option `maxPendingPerConnection` to be an integer from 1 and up, got `0` (number)',
    );
    expect(() => new StreamServer(handler, { port: 'x' as unknown as number })).toThrow(
      'Expected StreamServer option `port` to be an integer from 0 to 65535, got `x` (string)',
    );
    expect(() => new StreamServer(handler, { keepaliveTimeoutMs: 5000 })).toThrow(
      'Expected StreamServer option `keepaliveTimeoutMs` to be above `keepaliveIntervalMs` (5000), got `5000` (number)',
    );
  });

  it('refuses unknown options, listing the known ones', () => {
    expect(() => new StreamServer(handler, { maxFrames: 1 } as never)).toThrow(
      expect.objectContaining({
        code: 'INVALID_OPTION',
        message: expect.stringContaining('Unknown StreamServer option `maxFrames`'),
      }),
    );
  });
});
