import { afterAll, afterEach, beforeAll } from 'vitest';
import {
  type OrderServiceSet,
  serviceEnv,
  startServices,
} from '../../examples/order-saga/services.js';
import { type NodeProcess, startNode, tempDir } from './node-process.js';

export interface NodeFixtureOptions {
  /** Flags every node of the file gets (before the test's own). */
  readonly args?: readonly string[];
  /** Environment every node of the file gets, on top of the services' URLs. */
  readonly env?: Readonly<Record<string, string>>;
}

interface NodeStart {
  readonly dataDir?: string;
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** @default the example's order-saga config */
  readonly config?: string;
}

/** What a test file's hooks made: the example's services and a way to start node processes. */
export interface NodeFixture {
  readonly services: OrderServiceSet;
  /** The services' URLs and the file's environment: what every node is started with. */
  readonly env: Readonly<Record<string, string>>;
  /** Starts a `coordinator start` process (a fresh data directory unless given); killed after the test. */
  node(start?: NodeStart): Promise<NodeProcess>;
}

/**
 * The example's three services on free ports for the whole file, reset to `ok` after each test,
 * and node processes started against them, SIGKILLed after each test. Call at a file's top level.
 */
export function nodeFixture(options: NodeFixtureOptions = {}): NodeFixture {
  let services: OrderServiceSet | undefined;
  let env: Record<string, string> = {};
  const nodes: NodeProcess[] = [];
  beforeAll(async () => {
    services = await startServices({ anyPort: true });
    env = { ...serviceEnv(services), ...options.env };
  });
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => n.kill('SIGKILL')));
    for (const s of Object.values(services ?? {})) {
      s.mode = 'ok';
      s.script.splice(0);
    }
  });
  afterAll(async () => {
    await Promise.all(Object.values(services ?? {}).map((s) => s.close()));
  });
  return {
    get services() {
      if (!services) throw new Error('The services start in beforeAll: use them inside a test');
      return services;
    },
    get env() {
      return env;
    },
    async node(start = {}) {
      const started = await startNode({
        dataDir: start.dataDir ?? (await tempDir()),
        env: { ...env, ...start.env },
        args: [...(options.args ?? []), ...(start.args ?? [])],
        ...(start.config ? { config: start.config } : {}),
      });
      nodes.push(started);
      return started;
    },
  };
}
