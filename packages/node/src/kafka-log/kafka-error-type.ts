/**
 * The Kafka protocol error type (`UNKNOWN_TOPIC_OR_PARTITION`, `REBALANCE_IN_PROGRESS`, …) of a
 * client error, looked up along its `cause` chain: kafkajs wraps protocol errors in retry and
 * non-retriable errors.
 */
export function kafkaErrorType(error: unknown): string | undefined {
  for (let e = error; e instanceof Error; e = e.cause) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === 'string') return type;
  }
  return undefined;
}
