/**
 * What the file log reports, as typed events (for the node to turn into log lines and metrics).
 * Data it drops or removes is always reported here, never silently.
 */
export type FileLogEvent =
  | {
      readonly type: 'file-log.opened';
      readonly dir: string;
      readonly partitions: number;
      readonly sync: 'data' | 'none';
    }
  | {
      /** Opening found a torn or damaged tail in a partition's last segment and cut it off. */
      readonly type: 'file-log.tail-truncated';
      readonly partition: number;
      readonly file: string;
      readonly offset: number;
      readonly bytes: number;
      readonly reason: 'incomplete' | 'checksum';
    }
  | {
      /** Opening removed a temporary file left by an interrupted segment or checkpoint write. */
      readonly type: 'file-log.temporary-removed';
      readonly file: string;
    }
  | {
      /** The lock's holder had died; this process took the lock over. */
      readonly type: 'file-log.lock-taken-over';
      readonly file: string;
      readonly pid: number;
    }
  | {
      /** Retention deleted a segment wholly below the checkpoint. */
      readonly type: 'file-log.segment-deleted';
      readonly partition: number;
      readonly file: string;
    }
  | {
      /** A write or sync failed; the log stopped and every further call fails with `CLOSED`. */
      readonly type: 'file-log.failed';
      readonly partition: number;
      readonly message: string;
    }
  | {
      /** Retention dropped a segment of a service's outcome archive. */
      readonly type: 'file-log.outcomes-dropped';
      readonly service: string;
      readonly file: string;
    }
  | {
      /**
       * Writing the outcome archive failed: it stops until the log is reopened, which archives
       * from the log what it missed (the log keeps those segments meanwhile).
       */
      readonly type: 'file-log.archive-failed';
      readonly message: string;
    };
