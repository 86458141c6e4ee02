// `@coordinator/node/kafka`: the Kafka log, apart from the main entry so that a node on the file
// log (and every config module importing `@coordinator/node`) never loads kafkajs.
export { KafkaLog } from './kafka-log/kafka-log.js';
export type { KafkaLogEvent } from './kafka-log/kafka-log-event.js';
export {
  type KafkaLogInput,
  type KafkaLogOptions,
  kafkaLogOptions,
} from './kafka-log/kafka-log-options.js';
export { decodeEnvelope, type Envelope } from './kafka-log/log-envelope.js';
