/**
 * What the Kafka log reports, as typed events (for the node to turn into log lines and metrics).
 * Records it skips and ownership it gives up are always reported here, never silently.
 */
export type KafkaLogEvent =
  | {
      readonly type: 'kafka-log.opened';
      readonly topic: string;
      readonly partitions: number;
      readonly groupId: string;
      readonly nodeId: string;
      /** True when this call created the topic. */
      readonly created: boolean;
    }
  | {
      /** A group rebalance finished; `assigned` and `revoked` are the changes for this node. */
      readonly type: 'kafka-log.rebalanced';
      readonly owned: readonly number[];
      readonly assigned: readonly number[];
      readonly revoked: readonly number[];
    }
  | {
      /** This node appended its CLAIM to a partition; the CLAIM's offset is its epoch. */
      readonly type: 'kafka-log.claimed';
      readonly partition: number;
      readonly epoch: number;
      readonly checkpoint: number;
    }
  | {
      /** Replay of the partition reached this node's CLAIM; the listener's `assigned` is called next. */
      readonly type: 'kafka-log.recovered';
      readonly partition: number;
      readonly epoch: number;
      /** Records from the checkpoint to the CLAIM that replay will read. */
      readonly records: number;
      readonly durationMs: number;
    }
  | {
      /** The node gave the partition up; `revoked` is called (if `assigned` was). */
      readonly type: 'kafka-log.revoked';
      readonly partition: number;
      readonly reason: 'rebalance' | 'fenced' | 'failed' | 'stopped';
    }
  | {
      /** Another node's CLAIM was found after this node's: its appends to the partition fail with `FENCED`. */
      readonly type: 'kafka-log.fenced';
      readonly partition: number;
      readonly epoch: number;
      /** The offset of the newer CLAIM. */
      readonly claim: number;
      readonly message: string;
    }
  | {
      /**
       * Records of an older epoch (a fenced node's late writes) were skipped. Also after an append
       * of this node landed past such records: it is kept, since no newer CLAIM lies between.
       */
      readonly type: 'kafka-log.stale-skipped';
      readonly partition: number;
      readonly offset: number;
      readonly epoch: number;
      readonly currentEpoch: number;
    }
  | {
      /** A send failed; the partition's appends fail and it is re-claimed while still assigned. */
      readonly type: 'kafka-log.append-failed';
      readonly partition: number;
      readonly message: string;
    }
  | {
      /** The node's `assigned` or `revoked` threw; the partition is given up until the next rebalance. */
      readonly type: 'kafka-log.listener-failed';
      readonly partition: number;
      readonly phase: 'assigned' | 'revoked';
      readonly message: string;
    }
  | {
      readonly type: 'kafka-log.trimmed';
      readonly partition: number;
      /** Records below this offset were deleted, or `error` says why not. */
      readonly offset: number;
      readonly error?: string;
    }
  | {
      /** The group consumer crashed; with `restart: false` every partition was given up. */
      readonly type: 'kafka-log.consumer-crashed';
      readonly message: string;
      readonly restart: boolean;
    }
  | {
      /** A warning or error logged by the Kafka client. */
      readonly type: 'kafka-log.client-log';
      readonly level: 'error' | 'warn';
      readonly namespace: string;
      readonly message: string;
    };
