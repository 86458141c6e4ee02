/**
 * How a {@link KafkaLog} hands partitions to the node (the port's listener). Calls for one
 * partition never overlap and alternate, `assigned` first; calls for different partitions may run
 * concurrently. `assigned` comes once the partition's CLAIM is in the log and `read` yields every
 * record up to it; if it throws, the partition is given up until the next rebalance. `revoked`
 * comes when the group gave the partition to another node, another node's CLAIM fenced this one,
 * or a send failed (it is then claimed afresh, with a new `assigned`); appends already fail.
 */
export type { OwnershipListener } from '@coordinator/core';
