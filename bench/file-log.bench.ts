/**
 * The file log's append throughput and latency at concurrency 1, 16 and 256 with 200-byte records,
 * beside the raw limits of the same disk measured in the same run: one write + `fdatasync` per
 * record and per batch of 64 records (and the same with an `O_DSYNC` write, which the file log
 * uses where it exists). Cases run in short interleaved rounds, so that load from other processes
 * falls on all of them alike; rates are the median over rounds, latencies come from all rounds.
 * Prints a table and writes `bench/results/file-log.json`.
 *
 * Targets: at concurrency 256, at least 70% of the raw batched rate; at concurrency 1, a p50
 * latency within 1.5x of one raw write + `fdatasync`.
 */
import { constants, mkdirSync, writeFileSync } from 'node:fs';
import { type FileHandle, mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
// bench/ is not a workspace package, so it imports the sources (tsx maps .js to .ts).
import type { OutcomeRecord } from '@coordinator/core';
import { FileLog } from '@coordinator/node';
import { median } from './median.js';

const recordBytes = 200;
const frameBytes = recordBytes + 8;
const rounds = Number(process.env.COORDINATOR_BENCH_ROUNDS ?? 5);
const sliceMs = Number(process.env.COORDINATOR_BENCH_SLICE_MS ?? 700);

interface Case {
  readonly name: string;
  /** Runs for about `ms`; returns the records done. Latencies go to `h` (ns). */
  readonly run: (ms: number, h: RecordableHistogram) => Promise<number>;
  readonly rates: number[];
  readonly h: RecordableHistogram;
}

function record(i: number, pad: number): OutcomeRecord {
  const id = `cmd-${String(i).padStart(10, '0')}`;
  const at = 1_700_000_000_000 + i;
  return {
    v: 1,
    kind: 'outcome',
    id,
    at,
    step: 'charge',
    service: 'payments',
    outcome: 'x'.repeat(pad),
  };
}

/** The outcome padding that makes an encoded record `recordBytes` long, found by writing one. */
async function padding(root: string): Promise<number> {
  const dir = join(root, 'probe');
  const log = await FileLog.open({ dir, sync: 'none' });
  await log.append(0, [record(0, 100)]);
  await log.close();
  const size = (await stat(join(dir, 'partition-0', `${'0'.repeat(20)}.seg`))).size;
  return 100 + recordBytes - (size - 16 - 8);
}

async function rawCase(root: string, batch: number, dsync: boolean): Promise<Case> {
  const flags = constants.O_RDWR | constants.O_CREAT | (dsync ? constants.O_DSYNC : 0);
  const handle: FileHandle = await open(join(root, `raw-${batch}-${dsync}.bin`), flags);
  const bytes = Buffer.alloc(frameBytes * batch, 7);
  let offset = 0;
  const what = batch === 1 ? 'record' : `batch of ${batch}`;
  return {
    name: dsync ? `raw: 1 O_DSYNC write per ${what}` : `raw: 1 write + fdatasync per ${what}`,
    rates: [],
    h: createHistogram(),
    run: async (ms, h) => {
      let records = 0;
      const until = performance.now() + ms;
      for (let now = performance.now(); now < until; records += batch) {
        await handle.write(bytes, 0, bytes.length, offset);
        if (!dsync) await handle.datasync();
        offset += bytes.length;
        const after = performance.now();
        h.record(Math.max(1, Math.round((after - now) * 1e6)));
        now = after;
      }
      return records;
    },
  };
}

async function fileLogCase(
  root: string,
  concurrency: number,
  pad: number,
  partitions = 1,
): Promise<Case> {
  const log = await FileLog.open({ dir: join(root, `log-${concurrency}-${partitions}`) });
  const where = partitions === 1 ? '' : ` over ${partitions} partitions`;
  return {
    name: `file log: concurrency ${concurrency}${where}`,
    rates: [],
    h: createHistogram(),
    run: async (ms, h) => {
      let records = 0;
      const until = performance.now() + ms;
      const worker = async (w: number) => {
        const partition = w % partitions;
        const r = record(w, pad);
        while (performance.now() < until) {
          const t = performance.now();
          await log.append(partition, [r]);
          h.record(Math.max(1, Math.round((performance.now() - t) * 1e6)));
          records++;
        }
      };
      await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
      return records;
    },
  };
}

const root = await mkdtemp(join(tmpdir(), 'coordinator-bench-file-log-'));
try {
  const pad = await padding(root);
  const cases = [
    await rawCase(root, 1, false),
    await rawCase(root, 64, false),
    await rawCase(root, 1, true),
    await rawCase(root, 64, true),
    await fileLogCase(root, 1, pad),
    await fileLogCase(root, 16, pad),
    await fileLogCase(root, 256, pad),
    await fileLogCase(root, 256, pad, 16),
  ];
  for (let round = 0; round < rounds; round++) {
    for (const c of cases) {
      const start = performance.now();
      const records = await c.run(sliceMs, c.h);
      c.rates.push((records * 1000) / (performance.now() - start));
    }
  }
  const rows = cases.map((c) => ({
    name: c.name,
    recordsPerSecond: Math.round(median(c.rates)),
    p50Us: Math.round(c.h.percentile(50) / 100) / 10,
    p99Us: Math.round(c.h.percentile(99) / 100) / 10,
  }));
  const [rawOne, rawBatch, , dsyncBatch, c1, , c256] = rows as [
    (typeof rows)[0],
    ...typeof rows,
  ] as NonNullable<(typeof rows)[number]>[];
  const targets = {
    c256OfRawBatched: (c256?.recordsPerSecond ?? 0) / (rawBatch?.recordsPerSecond ?? 1),
    c256OfRawDsyncBatched: (c256?.recordsPerSecond ?? 0) / (dsyncBatch?.recordsPerSecond ?? 1),
    c1P50OverRawP50: (c1?.p50Us ?? 0) / (rawOne?.p50Us ?? 1),
  };
  console.log(
    `${recordBytes}-byte records; ${rounds} interleaved rounds of ${sliceMs} ms per case; ${root}`,
  );
  console.table(
    rows.map((r) => ({
      case: r.name,
      'records/s': r.recordsPerSecond,
      'p50 µs': r.p50Us,
      'p99 µs': r.p99Us,
    })),
  );
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
  console.log(
    `concurrency 256: ${pct(targets.c256OfRawBatched)} of the raw batched (write + fdatasync) rate, target >= 70%: ${verdict(targets.c256OfRawBatched >= 0.7)}; ${pct(targets.c256OfRawDsyncBatched)} of the raw O_DSYNC batched rate`,
  );
  console.log(
    `concurrency 1: p50 ${targets.c1P50OverRawP50.toFixed(2)}x one raw write + fdatasync, target <= 1.5x: ${verdict(targets.c1P50OverRawP50 <= 1.5)}`,
  );
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'file-log.json');
  mkdirSync(dirname(out), { recursive: true });
  const result = { recordBytes, rounds, sliceMs, node: process.version, rows, targets };
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await rm(root, { recursive: true, force: true });
}
