import { CoordinatorError } from '@coordinator/core';

/** Which partition of which topic an error is about. */
export interface PartitionName {
  readonly topic: string;
  readonly partition: number;
}

export function notOwnerError({ topic, partition }: PartitionName): CoordinatorError {
  return new CoordinatorError(
    'NOT_OWNER',
    `This node no longer owns partition ${partition} of ${topic}; send the Command to its owner`,
  );
}

export function notReadyError({ topic, partition }: PartitionName): CoordinatorError {
  return new CoordinatorError(
    'NOT_READY',
    `Partition ${partition} of ${topic} is being recovered by this node; retry shortly`,
  );
}

export function fencedByClaimError(
  { topic, partition }: PartitionName,
  claim: number,
  epoch: number,
): CoordinatorError {
  return new CoordinatorError(
    'FENCED',
    `Partition ${partition} of ${topic} has another owner: its CLAIM at offset ${claim} follows this node's (epoch ${epoch}); this node no longer owns the partition`,
  );
}

export function claimFailedError(
  { topic, partition }: PartitionName,
  cause: unknown,
): CoordinatorError {
  if (cause instanceof CoordinatorError) return cause;
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new CoordinatorError(
    'CLOSED',
    `Claiming partition ${partition} of ${topic} failed (${reason}); retrying`,
    { cause },
  );
}
