import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type LoggedRecord,
  type LogRecord,
  type OutcomePage,
  type OutcomeQuery,
  type OutcomeReader,
  type OutcomeRetention,
  retentionOf,
} from '@coordinator/core';
import {
  type ArchiveItem,
  archivedOutcome,
  archiveItem,
  cursorOf,
  positionOfCursor,
} from './archive-entry.js';
import { isManifestFile, readManifest, writeManifest } from './archive-manifest.js';
import { syncDirectory } from './durable-fs.js';
import type { FileLogEvent } from './file-log-event.js';
import { ServiceArchive } from './service-archive.js';

export interface OutcomeArchiveConfig {
  /** The archive's directory (`<dataDir>/outcomes`). */
  readonly dir: string;
  readonly sync: boolean;
  readonly segmentBytes: number;
  /** The retention of a service's Outcomes. */
  readonly retention: (service: string) => OutcomeRetention;
  readonly now: () => number;
  readonly onEvent: (event: FileLogEvent) => void;
  /** How long a batch gathers before it is written. @default 50 */
  readonly flushIntervalMs?: number;
}

/** A service's directory name: its name percent-encoded (dots too, so never `.` or `..`). */
function serviceDirName(service: string): string {
  return encodeURIComponent(service).replace(/\./g, '%2E');
}

/**
 * The file log's outcome archive: every Outcome the log acknowledges, kept per service for replay
 * under the service's retention, independently of the checkpoints that let the log delete its
 * segments. Acknowledged appends are handed over in order ({@link OutcomeArchive.logged}) and
 * written behind the log, off its acknowledgement path: one write per service touched and one
 * manifest per batch, batches growing while a write is under way. The manifest says up to which
 * log position of each partition the archive is complete; the log keeps its segments from there
 * ({@link OutcomeArchive.keepFrom}), and opening reads the log again from there, so no Outcome
 * the log holds is missing from the archive after a crash.
 */
export class OutcomeArchive implements OutcomeReader {
  readonly #config: OutcomeArchiveConfig;
  readonly #services = new Map<string, ServiceArchive>();
  /** Per partition: the log position below which every Outcome is durably archived. */
  readonly #durable = new Map<number, number>();
  readonly #logged = new Map<number, number>();
  #pending = new Map<string, ArchiveItem[]>();
  #waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  #flushing: Promise<void> | undefined;
  /** The sequence number of the last manifest written. */
  #seq = -1;
  /** Wakes a flush loop waiting out its interval (a reader or `close` wants it now). */
  #hurry: (() => void) | undefined;
  #failure: unknown;

  private constructor(config: OutcomeArchiveConfig) {
    this.#config = config;
  }

  /**
   * Opens the archive, cutting every service back to the manifest's ends.
   * @throws CoordinatorError `LOG_CORRUPT` for a damaged manifest or archived entry.
   */
  static async open(config: OutcomeArchiveConfig): Promise<OutcomeArchive> {
    await mkdir(config.dir, { recursive: true });
    const archive = new OutcomeArchive(config);
    const { seq, manifest } = await readManifest(config.dir);
    archive.#seq = seq;
    for (const [partition, position] of Object.entries(manifest.logged)) {
      archive.#durable.set(Number(partition), position);
      archive.#logged.set(Number(partition), position);
    }
    for (const name of await readdir(config.dir)) {
      if (isManifestFile(name) || name.endsWith('.tmp')) continue;
      const service = decodeURIComponent(name);
      const opened = await ServiceArchive.open(
        archive.#serviceConfig(service),
        manifest.ends[service] ?? 0,
      );
      archive.#services.set(service, opened);
    }
    return archive;
  }

  #serviceConfig(service: string) {
    const { dir, segmentBytes, sync } = this.#config;
    return { dir: join(dir, serviceDirName(service)), service, segmentBytes, sync };
  }

  /** The log position of `partition` below which its segments may be deleted. */
  keepFrom(partition: number): number {
    return this.#durable.get(partition) ?? 0;
  }

  /**
   * Archives the Outcomes the log holds from the manifest's position of `partition` on (`first`:
   * the first position the log still has): the ones the last run acknowledged but did not
   * archive before it stopped.
   */
  async recover(
    partition: number,
    first: number,
    read: (from: number) => AsyncIterable<readonly LoggedRecord[]>,
  ): Promise<void> {
    const from = Math.max(this.keepFrom(partition), first);
    for await (const batch of read(from)) {
      this.logged(
        partition,
        batch.map((logged) => logged.position),
        batch.map((logged) => logged.record),
      );
    }
    await this.flushed();
  }

  /** Hands over records the log acknowledged at these positions (in log order). */
  logged(partition: number, positions: readonly number[], records: readonly LogRecord[]): void {
    if (positions.length === 0) return;
    const items: ArchiveItem[] = [];
    for (const record of records) if (record.kind === 'outcome') items.push(archiveItem(record));
    this.acknowledged(partition, (positions.at(-1) as number) + 1, items);
  }

  /**
   * Hands over the Outcomes of the records the log acknowledged up to position `end` (exclusive)
   * of `partition`, in log order: what the file log's writer calls after each durable write.
   */
  acknowledged(partition: number, end: number, items: readonly ArchiveItem[]): void {
    if (this.#failure !== undefined) return;
    for (const item of items) {
      if (this.#config.retention(item.service).kind === 'none') continue;
      const queue = this.#pending.get(item.service);
      if (queue) queue.push(item);
      else this.#pending.set(item.service, [item]);
    }
    if (end > (this.#logged.get(partition) ?? 0)) this.#logged.set(partition, end);
    this.#flushing ??= this.#flushLoop();
  }

  /** Resolves once everything handed over so far is durable in the archive. */
  flushed(): Promise<void> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (!this.#flushing) return Promise.resolve();
    const done = new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    this.#hurry?.();
    return done;
  }

  async #flushLoop(): Promise<void> {
    while (this.#failure === undefined) {
      // A batch gathers for `flushIntervalMs` (unless someone waits for it): fewer, larger writes
      // and syncs, beside the log's own.
      if (this.#waiters.length === 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.#config.flushIntervalMs ?? 50);
          this.#hurry = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.#hurry = undefined;
      }
      const pending = this.#pending;
      const waiters = this.#waiters;
      const logged = new Map(this.#logged);
      this.#pending = new Map();
      this.#waiters = [];
      try {
        await this.#write(pending, logged);
      } catch (error) {
        this.#failure = error;
        const message = error instanceof Error ? error.message : String(error);
        this.#config.onEvent({ type: 'file-log.archive-failed', message });
        for (const waiter of [...waiters, ...this.#waiters]) waiter.reject(error);
        break;
      }
      for (const waiter of waiters) waiter.resolve();
      if (this.#pending.size === 0 && this.#waiters.length === 0 && !this.#moved()) break;
    }
    this.#flushing = undefined;
  }

  /** Whether a partition's handed-over position is past its durable one. */
  #moved(): boolean {
    for (const [partition, position] of this.#logged) {
      if (this.#durable.get(partition) !== position) return true;
    }
    return false;
  }

  async #write(pending: Map<string, ArchiveItem[]>, logged: Map<number, number>): Promise<void> {
    for (const [service, entries] of pending) {
      let archive = this.#services.get(service);
      if (!archive) {
        archive = await ServiceArchive.open(this.#serviceConfig(service), 0);
        this.#services.set(service, archive);
      }
      await archive.write(entries);
    }
    const ends: Record<string, number> = {};
    for (const [service, archive] of this.#services) ends[service] = archive.end;
    await writeManifest(
      this.#config.dir,
      this.#seq + 1,
      { logged: Object.fromEntries(logged), ends },
      this.#config.sync,
    );
    this.#seq += 1;
    for (const [partition, position] of logged) this.#durable.set(partition, position);
    await this.#trim();
  }

  async #trim(): Promise<void> {
    const now = this.#config.now();
    for (const [service, archive] of this.#services) {
      const deleted = await archive.trim(this.#config.retention(service), now);
      for (const file of deleted) {
        this.#config.onEvent({ type: 'file-log.outcomes-dropped', service, file });
      }
    }
  }

  async read(query: OutcomeQuery): Promise<OutcomePage> {
    const { service, after, since, limit } = query;
    const from = after === undefined ? 0 : positionOfCursor(after, 'after') + 1;
    await this.flushed();
    const archive = this.#services.get(service);
    const kept = this.#config.retention(service).kind !== 'none';
    if (!archive) return { items: [], next: null, retention: { complete: kept, oldest: null } };
    const items: OutcomePage['items'][number][] = [];
    let last = -1;
    scan: for await (const batch of archive.read(from)) {
      for (const { position, entry } of batch) {
        if (since !== undefined && entry.at < since) continue;
        items.push(archivedOutcome(position, entry));
        last = position;
        if (items.length >= limit) break scan;
      }
    }
    const oldest = await archive.oldest();
    return {
      items,
      next: items.length >= limit && last + 1 < archive.end ? cursorOf(last) : null,
      retention: {
        complete: kept && !archive.trimmed,
        oldest: oldest ? { cursor: cursorOf(oldest.position), at: oldest.entry.at } : null,
      },
    };
  }

  async services(): Promise<readonly string[]> {
    return [...this.#services.keys()];
  }

  /** Writes what is pending and closes the files. */
  async close(): Promise<void> {
    await this.flushed().catch(() => undefined);
    for (const archive of this.#services.values()) await archive.close();
    if (this.#config.sync) await syncDirectory(this.#config.dir);
  }
}

/** What {@link openOutcomeArchive} takes: the directory, syncing, and the retentions. */
export interface OutcomeArchiveSettings {
  readonly dir: string;
  readonly sync: 'data' | 'none';
  readonly segmentBytes: number;
  readonly outcomeRetention: OutcomeRetention;
  readonly outcomeRetentionByService: Readonly<Record<string, OutcomeRetention>>;
  readonly onEvent: (event: FileLogEvent) => void;
}

/** Opens the outcome archive in `settings.dir`, unless no service keeps Outcomes. */
export async function openOutcomeArchive(
  settings: OutcomeArchiveSettings,
): Promise<OutcomeArchive | undefined> {
  const { outcomeRetention, outcomeRetentionByService } = settings;
  const kept = [outcomeRetention, ...Object.values(outcomeRetentionByService)];
  if (kept.every((retention) => retention.kind === 'none')) return undefined;
  return OutcomeArchive.open({
    dir: settings.dir,
    sync: settings.sync === 'data',
    segmentBytes: settings.segmentBytes,
    retention: (service) => retentionOf(service, outcomeRetention, outcomeRetentionByService),
    now: Date.now,
    onEvent: settings.onEvent,
  });
}
