/**
 * The consumer group's generation id as this member last received it. kafkajs 2.2.4 does not put it in
 * the GROUP_JOIN event, but logs it (debug, "Received assignment") on every member right before that
 * event; this log creator picks it up and passes everything at WARN and above on to the real one.
 * The generation orders exports (services/scale/export-folder.ts): Kafka fences the group by it.
 */
import { logLevel as KafkaLogLevel, type logCreator } from 'kafkajs';

export class GroupGeneration {
  generationId: number | undefined;
  memberId: string | undefined;

  /** Wraps `base`; give the Kafka client logLevel DEBUG so the line reaches it. */
  logCreator(base: logCreator, passLevel: number = KafkaLogLevel.WARN): logCreator {
    return (level) => {
      const forward = base(level);
      return (entry) => {
        if (entry.level === KafkaLogLevel.DEBUG && entry.log.message === 'Received assignment') {
          const g = Number((entry.log as Record<string, unknown>).generationId);
          if (Number.isInteger(g)) this.generationId = g;
          this.memberId = String((entry.log as Record<string, unknown>).memberId ?? '') || this.memberId;
        }
        if (entry.level <= passLevel) forward(entry);
      };
    };
  }
}
