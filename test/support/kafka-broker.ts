import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { freePorts } from './free-port.js';
import { type ProcessRun, runToEnd } from './spawn-process.js';
import { waitFor } from './wait-for.js';

const script = fileURLToPath(new URL('../../scripts/kafka.sh', import.meta.url));

/** A single-node KRaft broker started by `scripts/kafka.sh`, ready for clients. */
export interface KafkaBroker {
  /** Bootstrap address for kafkajs `brokers`, e.g. `127.0.0.1:40123`. */
  readonly brokers: string;
  readonly pid: number;
  /** Holds `server.properties`, `data/` and `logs/broker.log`. */
  readonly runDir: string;
  /** Graceful stop (SIGTERM, SIGKILL after a bound), then removes `runDir`. Idempotent. */
  stop(): Promise<void>;
}

export interface StartKafkaOptions {
  /**
   * Deadline for the broker to answer `describeCluster` after the script reported it started.
   * @default 60000
   */
  readonly readyTimeoutMs?: number;
  /** Keep `runDir` (data and logs) after `stop()`. @default false, or true if KAFKA_KEEP_RUN_DIR=1 */
  readonly keepRunDir?: boolean;
}

/**
 * Starts a broker on free ports in a fresh temporary directory and resolves once a kafkajs admin
 * sees it in `describeCluster`. Rejects, with the broker's log, if it cannot start: callers must
 * not turn that into a skip. The broker is killed if this process dies without stopping it.
 *
 * @example
 * const kafka = await startKafka();
 * try { new Kafka({ brokers: [kafka.brokers] }) } finally { await kafka.stop() }
 */
export async function startKafka(options: StartKafkaOptions = {}): Promise<KafkaBroker> {
  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  const keepRunDir = options.keepRunDir ?? process.env.KAFKA_KEEP_RUN_DIR === '1';
  const { runDir, pid, brokers } = await startOnFreePorts();

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      const result = await runScript(['stop', runDir]);
      if (result.code !== 0)
        throw new Error(
          `scripts/kafka.sh stop ${runDir} failed (${result.code}):\n${result.stderr}`,
        );
      if (!keepRunDir) await rm(runDir, { recursive: true, force: true });
    })();
    return stopping;
  };

  try {
    await waitForKafka(brokers, readyTimeoutMs);
  } catch (error) {
    const log = await readFile(join(runDir, 'logs/broker.log'), 'utf8').catch(() => '');
    await stop().catch(() => undefined);
    throw new Error(
      `Kafka broker ${brokers} (pid ${pid}) started but did not serve describeCluster within ${readyTimeoutMs} ms: ${String(error)}\n--- broker.log (tail) ---\n${tail(log)}`,
      { cause: error },
    );
  }
  return { brokers, pid, runDir, stop };
}

/** Retries only a lost race for a free port; every other failure is reported at once. */
async function startOnFreePorts(): Promise<{ runDir: string; pid: number; brokers: string }> {
  const attempts = 3;
  for (let attempt = 1; ; attempt++) {
    const runDir = await mkdtemp(join(tmpdir(), 'coordinator-kafka-'));
    const [brokerPort, controllerPort] = await freePorts(2);
    const result = await runScript(['start', runDir, String(brokerPort), String(controllerPort)]);
    const pid = Number(/^pid=(\d+)$/m.exec(result.stdout)?.[1]);
    const brokers = /^brokers=(\S+)$/m.exec(result.stdout)?.[1];
    if (result.code === 0 && pid > 0 && brokers) return { runDir, pid, brokers };

    // The script stops a broker that missed its deadline; this covers the script being killed.
    await runScript(['stop', runDir]);
    await rm(runDir, { recursive: true, force: true });
    const portTaken = /already in use|Address already in use|BindException/.test(result.stderr);
    if (!portTaken || attempt === attempts)
      throw new Error(
        `Kafka broker did not start: scripts/kafka.sh start exited with ${result.code} (attempt ${attempt}/${attempts}).\n${result.stderr}${result.stdout}`,
      );
  }
}

/**
 * Resolves once the broker at `brokers` answers `describeCluster` with one broker and a
 * controller; a port probe is not enough, since a KRaft broker accepts TCP before it is unfenced.
 * Rejects, with the last answer or client error, after `timeoutMs`.
 */
export async function waitForKafka(brokers: string, timeoutMs: number): Promise<void> {
  let last: unknown;
  await waitFor(
    () => `the broker at ${brokers} to serve describeCluster; last: ${String(last)}`,
    async () => {
      const admin = new Kafka({
        clientId: 'kafka-broker-ready',
        brokers: [brokers],
        logLevel: logLevel.NOTHING,
        connectionTimeout: 1_000,
        requestTimeout: 5_000,
        retry: { retries: 0 },
      }).admin();
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        last = `describeCluster answered ${JSON.stringify(cluster)}`;
        return cluster.brokers.length === 1 && cluster.controller !== null;
      } catch (error) {
        last = error;
        return false;
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },
    timeoutMs,
    200,
  );
}

function runScript(args: readonly string[]): Promise<ProcessRun> {
  return runToEnd('bash', [script, ...args], {
    env: { KAFKA_WATCH_PID: String(process.pid) },
    // The script has its own readiness deadline; this only bounds a hung Maven download.
    timeoutMs: 600_000,
  });
}

function tail(text: string, lines = 60): string {
  return text.split('\n').slice(-lines).join('\n');
}
