import type { SuspensionState } from './suspension.js';

/** What `Driver.status()` tells about the node's work. */
export interface DriverStatus {
  readonly ready: boolean;
  readonly suspension: SuspensionState;
  /** While suspended: since when, and the services found blocked (each since its first block). */
  readonly suspendedSince?: number;
  readonly blocked: readonly { service: string; since: number }[];
  readonly inFlight: number;
  readonly waiting: number;
  readonly maxCmds: number;
  /** The retries due first (at most 10), earliest first. */
  readonly nextRetries: readonly { id: string; at: number }[];
  readonly partitions: readonly { partition: number; checkpoint: number; end: number }[];
}
