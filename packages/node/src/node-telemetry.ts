import type { CoordinatorEvent, DriverStatus } from '@coordinator/core';
import type { Logger } from 'pino';
import { NodeMetrics } from './node-metrics.js';
import { WaitSummary } from './wait-summary.js';

/**
 * Turns the driver's typed events into pino lines and Prometheus metrics ({@link NodeMetrics}), at
 * the edge. Per-Command
 * transitions are counted, and logged only at debug level: at thousands of Commands a second,
 * info-level lines are kept for what an operator acts on (waits, failures, suspension, recovery).
 */
export class NodeTelemetry {
  readonly metrics: NodeMetrics;
  readonly #log: Logger;
  readonly #waits = new WaitSummary();
  readonly #waitLogIntervalMs: number;
  #waitTimer: NodeJS.Timeout | undefined;

  constructor(log: Logger, status: () => DriverStatus | undefined, waitLogIntervalMs: number) {
    this.#log = log;
    this.#waitLogIntervalMs = waitLogIntervalMs;
    this.metrics = new NodeMetrics(status);
  }

  /** Logs the summary still pending and stops its timer. */
  close(): void {
    if (this.#waitTimer !== undefined) clearInterval(this.#waitTimer);
    this.#waitTimer = undefined;
    this.#summarise();
  }

  #wait(
    service: string,
    record: 'delayed' | 'blocked',
    event: Extract<CoordinatorEvent, { type: 'command.transition' }>,
  ): void {
    const error = event.error ?? { code: record.toUpperCase(), message: '' };
    const first = this.#waits.record(service, record, error);
    if (first) {
      this.#log.info(
        { ...event, service },
        `service ${service} unavailable: command ${event.id} step ${event.step} ${record} (${error.code}: ${error.message}); more waits are summarised every ${this.#waitLogIntervalMs} ms`,
      );
    }
    this.#waitTimer ??= setInterval(() => this.#summarise(), this.#waitLogIntervalMs).unref();
  }

  #summarise(): void {
    for (const line of this.#waits.flush()) {
      if (line.kind !== 'summary') continue;
      this.#log.info(
        { type: 'service.waits', ...line },
        `service ${line.service}: ${line.delayed} more steps delayed, ${line.blocked} blocked in the last ${this.#waitLogIntervalMs} ms; last error ${line.lastError.code}: ${line.lastError.message}`,
      );
    }
    if (this.#waits.active === 0 && this.#waitTimer !== undefined) {
      clearInterval(this.#waitTimer);
      this.#waitTimer = undefined;
    }
  }

  readonly onEvent = (event: CoordinatorEvent): void => {
    switch (event.type) {
      case 'command.transition':
        this.metrics.transition(event.commandType, event.record);
        if (event.record === 'delayed' || event.record === 'blocked') {
          this.#log.debug(event, `command ${event.id} ${event.record} at ${event.position}`);
          this.#wait(event.service ?? event.commandType, event.record, event);
        } else if (event.record === 'failed') {
          this.#log.info(
            event,
            `command ${event.id} step ${event.step} failed: ${event.error?.code}: ${event.error?.message}`,
          );
        } else {
          this.#log.debug(event, `command ${event.id} ${event.record}`);
        }
        return;
      case 'command.done':
        this.metrics.done(event.commandType, event.error ? 'error' : 'result');
        if (event.error) {
          this.#log.info(
            event,
            `command ${event.id} done with ${event.error.code}: ${event.error.message}`,
          );
        } else this.#log.debug(event, `command ${event.id} done`);
        return;
      case 'command.accepted':
        this.#log.debug(event, `command ${event.id} accepted`);
        return;
      case 'command.stalled':
        this.#log.error(
          event,
          `command ${event.id || '(checkpoint)'} stalled: ${event.error.message}`,
        );
        return;
      case 'node.suspension':
        this.#log.warn(event, `node ${event.state}`);
        return;
      case 'recovery.progress':
        this.#log.debug(event, `recovering partition ${event.partition}: ${event.records} records`);
        return;
      case 'recovery.done':
        if (event.records > 0) {
          this.#log.info(
            event,
            `partition ${event.partition} recovered: ${event.records} records, ${event.resumed} Commands to resume`,
          );
        }
        return;
      case 'checkpoint.failed':
        this.#log.error(
          event,
          `partition ${event.partition}: checkpoint not committed: ${event.error.message}`,
        );
        return;
      case 'partition.revoked':
        this.#log.warn(event, `partition ${event.partition} revoked: its Commands left this node`);
        return;
      case 'checkpoint.committed':
        this.#log.debug(event, `partition ${event.partition} checkpoint ${event.position}`);
        return;
    }
  };
}
