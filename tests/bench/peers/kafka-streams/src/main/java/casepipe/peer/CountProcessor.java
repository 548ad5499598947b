package casepipe.peer;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.concurrent.atomic.LongAdder;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Earliest-wins dedupe and month figures. The winners store maps a milestone (caseId, kind) or a
 * consultation (departmentCode, caseId) to its winning copy: event time, event id and the figure it
 * counts in ("month\0department\0metric", empty when it counts in none). A later copy is a duplicate;
 * an earlier one (smaller event time, then smaller event id) replaces the winner: minus one on the old
 * figure, plus one on the new. Both stores are RocksDB with a changelog; the key is the record key's
 * partition, so every copy of a case meets in one task.
 */
final class CountProcessor implements Processor<byte[], byte[], Void, Void> {
  static final LongAdder RECORDS = new LongAdder();
  static final LongAdder VALID = new LongAdder();
  static final LongAdder INVALID = new LongAdder();
  static final LongAdder DUPLICATES = new LongAdder();
  static final LongAdder REPLACED = new LongAdder();

  private final CaseEventCodec codec;
  private KeyValueStore<Bytes, byte[]> winners;
  private KeyValueStore<String, Long> figures;

  CountProcessor(CaseEventCodec codec) {
    this.codec = codec;
  }

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    winners = context.getStateStore(Peer.WINNERS);
    figures = context.getStateStore(Peer.FIGURES);
  }

  @Override
  public void process(Record<byte[], byte[]> record) {
    RECORDS.increment();
    CaseEventCodec.Event e = codec.check(record.key(), record.value(), record.timestamp());
    if (e == null) {
      INVALID.increment();
      return;
    }
    VALID.increment();
    boolean consulted = e.kind().equals("CONSULTED");
    String identity = consulted ? "C\u0000" + e.departmentCode() + "\u0000" + e.caseId() : "M\u0000" + e.caseId() + "\u0000" + e.kind();
    Bytes key = Bytes.wrap(identity.getBytes(StandardCharsets.UTF_8));
    byte[] old = winners.get(key);
    if (old != null) {
      ByteBuffer b = ByteBuffer.wrap(old);
      long oldTime = b.getLong();
      int idLength = b.getInt();
      String oldId = new String(old, 12, idLength, StandardCharsets.UTF_8);
      int cmp = Long.compare(e.eventTime(), oldTime);
      if (cmp > 0 || (cmp == 0 && e.eventId().compareTo(oldId) >= 0)) {
        DUPLICATES.increment();
        return;
      }
      REPLACED.increment();
      String oldFigure = new String(old, 12 + idLength, old.length - 12 - idLength, StandardCharsets.UTF_8);
      add(oldFigure, -1);
    }
    String figure = figureKey(e);
    add(figure, 1);
    byte[] id = e.eventId().getBytes(StandardCharsets.UTF_8);
    byte[] fig = figure.getBytes(StandardCharsets.UTF_8);
    winners.put(key, ByteBuffer.allocate(12 + id.length + fig.length).putLong(e.eventTime()).putInt(id.length).put(id).put(fig).array());
  }

  private void add(String figure, long delta) {
    if (figure.isEmpty()) return;
    Long n = figures.get(figure);
    figures.put(figure, (n == null ? 0 : n) + delta);
  }

  /** The figure of pipelines/figures.sql that a winning copy counts in, or "" for none. */
  static String figureKey(CaseEventCodec.Event e) {
    String metric = switch (e.kind()) {
      case "RECEIVED" -> e.channel().equals("FULL_ONLINE") ? "fullOnlineReceived"
          : e.channel().equals("COMPREHENSIVE_WINDOW") ? "windowReceived" : null;
      case "COMPLETED" -> e.channel().equals("FULL_ONLINE") ? "fullOnlineCompleted" : null;
      case "DELIVERED" -> "WINDOW_PICKUP".equals(e.deliveryMethod()) ? "windowDelivered"
          : "MAIL".equals(e.deliveryMethod()) ? "mailed" : null;
      case "CONSULTED" -> e.channel().equals("PHONE") ? "phoneConsultations"
          : e.channel().equals("ONSITE") ? "onsiteConsultations" : null;
      default -> null;
    };
    if (metric == null) return "";
    ZonedDateTime cst = Instant.ofEpochMilli(e.eventTime()).atZone(ZoneOffset.ofHours(8));
    int m = cst.getMonthValue();
    return cst.getYear() + (m < 10 ? "-0" : "-") + m + "\u0000" + e.departmentCode() + "\u0000" + metric;
  }
}
