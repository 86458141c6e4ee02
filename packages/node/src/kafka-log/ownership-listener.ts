/**
 * How a {@link KafkaLog} hands partitions to the node. Calls for one partition never overlap and
 * alternate, `assigned` first; calls for different partitions may run concurrently.
 */
export interface OwnershipListener {
  /**
   * This node owns `partition` now: its CLAIM is in the log and `read(partition, checkpoint)`
   * yields every record up to it. Appends are accepted from now on. The node replays the
   * partition here and takes its Commands over (`driver.assign`). If this throws, the partition
   * is given up (and `revoked` called) until the next rebalance assigns it again.
   */
  assigned(partition: number): Promise<void> | void;
  /**
   * This node no longer owns `partition`: the group gave it to another node, or another node's
   * CLAIM fenced this one, or a send failed (it is then claimed afresh, with a new `assigned`).
   * Appends already fail; the node stops the partition's Commands without writing
   * (`driver.revoke`).
   */
  revoked(partition: number): Promise<void> | void;
}
