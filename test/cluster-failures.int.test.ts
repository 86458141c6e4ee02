/**
 * Process-level failures of a three-node cluster on a real Kafka broker (issue 6), under
 * continuous client load (round-robin over the live nodes, resubmits by id):
 *
 * - a rolling restart: each node in turn is stopped with SIGTERM (it must exit 0) and started
 *   again with the same arguments, and nothing acknowledged is lost or done twice;
 * - a zombie: one node is SIGSTOPped past the group's session timeout, the others take its
 *   partitions over, then it is continued: it finds out from the log and the group that it lost
 *   them, stops writing to them, and what it wrote late (stale epochs) is skipped by replay.
 *
 * At the end the whole topic is read back: every acknowledged Command (and every one accepted
 * at all) has exactly one done record of a live epoch.
 */
import { afterEach, expect, it, onTestFailed } from 'vitest';
import { clusterFixture } from './support/cluster-fixture.js';
import { Load } from './support/cluster-load.js';
import {
  type Cluster,
  logged,
  ownedBy,
  sessionTimeoutMs,
  severity,
} from './support/cluster-nodes.js';
import { readTopic, type TopicContents } from './support/cluster-topic.js';
import { waitFor } from './support/wait-for.js';

const partitions = 12;
/** New Commands a second: enough to keep load on during every event, few enough to drain fast. */
const perSecond = Number(process.env.COORDINATOR_CLUSTER_RATE ?? 25);

const fixture = clusterFixture();
let load: Load | undefined;

afterEach(() => {
  load?.stop();
  load = undefined;
});

/** Starts a cluster whose nodes' warnings are printed if the test fails. */
async function startCluster(): Promise<Cluster> {
  const started = await fixture.start({ size: 3, partitions });
  onTestFailed(() => {
    console.log(
      `cluster ${started.topic}: what the nodes logged at warn and above\n${started.report()}`,
    );
  });
  return started;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/**
 * Every acknowledged Command, and every Command accepted at all, has exactly one live done
 * record; no Command is accepted or done twice.
 */
function expectExactlyOnce(topic: TopicContents, acknowledged: ReadonlySet<string>): void {
  const missing = [...acknowledged].filter((id) => topic.done.get(id) !== 1);
  expect(missing.map((id) => `${id}: ${topic.done.get(id) ?? 0} done records`)).toEqual([]);
  const twice = [...topic.done].filter(([, n]) => n > 1).map(([id]) => id);
  expect(twice, 'Commands done twice').toEqual([]);
  const unfinished = [...topic.accepted.keys()].filter((id) => topic.done.get(id) !== 1);
  expect(unfinished, 'accepted Commands without one done record').toEqual([]);
  const acceptedTwice = [...topic.accepted].filter(([, n]) => n > 1).map(([id]) => id);
  expect(acceptedTwice, 'Commands accepted twice').toEqual([]);
}

/** No node failed to take a partition over (a replay that fails, say on a Command accepted twice). */
function expectNoFailedAssignments(nodes: Cluster): void {
  const failed = nodes.processes.flatMap(({ node }) => logged(node, 'kafka-log.listener-failed'));
  expect(failed, 'partitions a node failed to take over').toEqual([]);
}

function staleSummary(topic: TopicContents): string {
  const byWriter = new Map<string, number>();
  for (const m of topic.stale) {
    const key = `${m.writer} ${m.kind}`;
    byWriter.set(key, (byWriter.get(key) ?? 0) + 1);
  }
  return [...byWriter].map(([key, n]) => `${n} ${key}`).join(', ') || 'none';
}

it('loses nothing through a rolling restart of all three nodes under load', async () => {
  const started = Date.now();
  const nodes = await startCluster();
  const up = Date.now();
  load = new Load({
    targets: () => nodes.live(),
    clients: 16,
    perSecond,
  });
  const traffic = load;
  await traffic.until(100);

  const restarts: string[] = [];
  for (let slot = 0; slot < nodes.size; slot++) {
    const before = traffic.acknowledged.size;
    const t0 = Date.now();
    const exit = await nodes.stopNode(slot, 'SIGTERM');
    expect(exit, `node-${slot} exit code after SIGTERM`).toBe(0);
    const t1 = Date.now();
    await nodes.startNode(slot);
    const t2 = Date.now();
    const owned = await nodes.settled();
    const t3 = Date.now();
    const during = traffic.acknowledged.size - before;
    expect(during, `Commands acknowledged while node-${slot} restarted`).toBeGreaterThan(0);
    expect(traffic.error).toBeUndefined();
    restarts.push(
      `node-${slot}: exit 0 after ${t1 - t0} ms, ready ${t2 - t1} ms later, group settled ${t3 - t2} ms later (owned ${owned.map((o) => o.length).join('/')}); ${during} acknowledged meanwhile`,
    );
    // Some load on the whole cluster before the next restart.
    await traffic.until(traffic.acknowledged.size + 50);
  }
  await traffic.until(traffic.acknowledged.size + 50);
  await traffic.end();
  const ended = Date.now();
  await nodes.drained();
  const drained = Date.now();

  const topic = await readTopic(fixture.kafka.brokers, nodes.topic);
  expectExactlyOnce(topic, traffic.acknowledged);
  expectNoFailedAssignments(nodes);
  console.log(
    [
      `rolling restart: ${traffic.acknowledged.size} Commands (${perSecond}/s offered) on 3 nodes, ${partitions} partitions; cluster up in ${seconds(up - started)}`,
      ...restarts.map((r) => `  ${r}`),
      `  load ${seconds(ended - up)}: ${traffic.summary()}; drained ${drained - ended} ms later`,
      `  topic: ${topic.messages.length} messages, ${topic.claims.length} CLAIMs, stale records ${topic.stale.length} (${staleSummary(topic)})`,
    ].join('\n'),
  );
});

it('fences a SIGSTOPped node whose partitions moved, and ignores what it wrote late', async () => {
  const started = Date.now();
  const nodes = await startCluster();
  const up = Date.now();
  load = new Load({
    targets: () => nodes.live(),
    clients: 16,
    perSecond,
  });
  const traffic = load;
  await traffic.until(100);

  // Stop the zombie-to-be past the session timeout; the others take its partitions over.
  const slot = 2;
  const zombie = nodes.node(slot);
  if (!zombie) throw new Error(`node-${slot} is not running`);
  const lost = await ownedBy(zombie);
  expect(lost.length).toBeGreaterThan(0);
  const ackedAtPause = traffic.acknowledged.size;
  const pausedAt = Date.now();
  nodes.pause(slot);
  // Clients whose load balancer has not noticed yet: their submits wait in the stopped node.
  const stuck = traffic.sendTo(zombie, 12, 60_000);
  const takenOverAt = await waitFor(
    "the others to own the stopped node's partitions",
    async () => {
      const owned = (await nodes.ownership()).flat();
      return lost.every((p) => owned.includes(p)) ? Date.now() : undefined;
    },
    60_000,
    50,
  );
  const takeoverMs = takenOverAt - pausedAt;
  // The group cannot have moved them before the session timed out (less one heartbeat).
  expect(takeoverMs).toBeGreaterThan(sessionTimeoutMs - 1000);
  await nodes.settled();
  // Load goes on on the two others while the node is stopped.
  await traffic.until(traffic.acknowledged.size + 30);
  const ackedWhilePaused = traffic.acknowledged.size - ackedAtPause;

  // Continue it: it must find out, from its own log lines, that each of its partitions is gone.
  const resumedAt = Date.now();
  nodes.resume(slot);
  const revokedAt = await waitFor(
    () =>
      `the resumed node to give up partitions ${lost.join(', ')}; it logged: ${JSON.stringify(
        zombie.logs.filter((l) => (l.time as number) >= pausedAt && severity(l) >= 40).slice(-10),
      )}`,
    () => {
      const at = new Map<number, number>();
      for (const p of lost) {
        const log = logged(zombie, 'kafka-log.revoked', pausedAt).find((l) => l.partition === p);
        const driver = logged(zombie, 'partition.revoked', pausedAt).find((l) => l.partition === p);
        if (!log || !driver) return undefined;
        at.set(p, log.time as number);
      }
      return at;
    },
    60_000,
    50,
  );
  const detectedMs = Math.max(...revokedAt.values()) - resumedAt;
  const reasons = lost.map(
    (p) => logged(zombie, 'kafka-log.revoked', pausedAt).find((l) => l.partition === p)?.reason,
  );
  const fenced = logged(zombie, 'kafka-log.fenced', pausedAt);
  const settledOwnership = await nodes.settled();
  const settledAt = Date.now();
  await traffic.until(traffic.acknowledged.size + 100);
  await traffic.end();
  const ended = Date.now();
  // Those submits were answered once it went on: acknowledged, or refused with a retryable 503.
  const firstAnswers = await stuck;
  for (const a of firstAnswers) expect([200, 202, 503]).toContain(a.status);
  const answeredAfter = firstAnswers.map((a) => a.sentAt + a.ms - resumedAt);
  expect(Math.min(...answeredAfter)).toBeGreaterThanOrEqual(0);
  const answers = new Map<string, number>();
  for (const a of firstAnswers) {
    const key = `${a.status ?? a.failure}${a.code ? ` ${a.code}` : ''}`;
    answers.set(key, (answers.get(key) ?? 0) + 1);
  }
  await nodes.drained();

  const topic = await readTopic(fixture.kafka.brokers, nodes.topic);
  expectExactlyOnce(topic, traffic.acknowledged);
  expectNoFailedAssignments(nodes);

  // It stopped writing to each lost partition once it knew: nothing it stamped with the epoch it
  // held before the pause was produced after it logged the revocation.
  const zombieId = `node-${slot}`;
  const heldEpochs = new Map(
    topic.claims
      .filter((c) => c.claimedBy === zombieId && c.timestamp < pausedAt)
      .map((c) => [`${c.partition}@${c.offset}`, c.partition]),
  );
  const late = topic.messages.filter(
    (m) =>
      m.epoch !== undefined &&
      heldEpochs.has(`${m.partition}@${m.epoch}`) &&
      lost.includes(m.partition) &&
      m.timestamp > (revokedAt.get(m.partition) ?? Number.POSITIVE_INFINITY),
  );
  expect(late, 'records written under a lost epoch after the node gave the partition up').toEqual(
    [],
  );
  const zombieStale = topic.stale.filter((m) => m.writer === zombieId);
  // Stale records were skipped by replay: the node owning the partition reported each one.
  const skipped = new Set(
    nodes.processes.flatMap(({ node }) =>
      logged(node, 'kafka-log.stale-skipped').map((l) => `${l.partition}@${l.offset}`),
    ),
  );
  const unreported = topic.stale.filter((m) => !skipped.has(`${m.partition}@${m.offset}`));
  expect(unreported, 'stale records no owner reported skipping').toEqual([]);

  console.log(
    [
      `zombie: ${traffic.acknowledged.size} Commands (${perSecond}/s offered) on 3 nodes, ${partitions} partitions; cluster up in ${seconds(up - started)}`,
      `  SIGSTOP of node-${slot} (owned ${lost.join(',')}): taken over by the others in ${takeoverMs} ms (session timeout ${sessionTimeoutMs} ms); ${ackedWhilePaused} acknowledged while stopped (${seconds(resumedAt - pausedAt)})`,
      `  SIGCONT: it gave up all ${lost.length} within ${detectedMs} ms (kafka-log.revoked reasons: ${reasons.join(',')}; ${fenced.length} kafka-log.fenced lines); group settled ${settledAt - resumedAt} ms after SIGCONT (owned ${settledOwnership.map((o) => o.length).join('/')})`,
      `  ${firstAnswers.length} submits sent to it while stopped: answered ${Math.min(...answeredAfter)}-${Math.max(...answeredAfter)} ms after SIGCONT (${[...answers].map(([k, n]) => `${n}× ${k}`).join(', ')})`,
      `  load ${seconds(ended - up)}: ${traffic.summary()}`,
      `  topic: ${topic.messages.length} messages, ${topic.claims.length} CLAIMs; stale records ${topic.stale.length} (${staleSummary(topic)}), ${zombieStale.length} of them by the zombie; ${skipped.size} stale-skipped reports by owners`,
    ].join('\n'),
  );
});
