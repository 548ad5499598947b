package casepipe.peer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.SchemaStore;

/**
 * The worker's decode (services/contract/codec.ts) in Java: Avro single-object encoding (0xC3 0x01,
 * the writer schema's CRC-64-AVRO fingerprint, the body), the writer looked up among schemas/*.avsc
 * and resolved to the newest version; then the worker's validation essentials
 * (services/contract/validate.ts and check-record.ts): text limits, kinds, channels, delivery method,
 * event time range, attributes, personal-data digits, key = caseId.
 */
public final class CaseEventCodec {
  /** A decoded and valid event, fields as strings. */
  public record Event(String eventId, String kind, String caseId, String departmentCode, String channel,
                      String deliveryMethod, long eventTime) {}

  private final BinaryMessageDecoder<GenericRecord> decoder;

  public CaseEventCodec(List<Schema> schemas) {
    Schema reader = schemas.get(schemas.size() - 1);
    SchemaStore.Cache store = new SchemaStore.Cache();
    for (Schema s : schemas) store.addSchema(s);
    decoder = new BinaryMessageDecoder<>(GenericData.get(), reader, store);
  }

  /** case-event.vN.avsc of a folder, oldest first. */
  public static List<Schema> loadSchemas(Path dir) throws IOException {
    List<Path> files = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.filter(p -> p.getFileName().toString().matches("case-event\\.v[1-9]\\d*\\.avsc")).forEach(files::add);
    }
    files.sort((a, b) -> Integer.compare(version(a), version(b)));
    List<Schema> out = new ArrayList<>();
    for (Path p : files) out.add(new Schema.Parser().parse(p.toFile()));
    if (out.isEmpty()) throw new IOException("no case-event.vN.avsc in " + dir);
    return out;
  }

  private static int version(Path p) {
    String n = p.getFileName().toString();
    return Integer.parseInt(n.substring("case-event.v".length(), n.length() - ".avsc".length()));
  }

  /** The valid event of a record, or null when it cannot be counted (undecodable, a broken rule, wrong key). */
  public Event check(byte[] key, byte[] value, long timestampMs) {
    if (value == null || value.length < 10) return null;
    GenericRecord r;
    try {
      r = decoder.decode(value);
    } catch (Exception e) {
      return null;
    }
    String eventId = str(r.get("eventId"));
    String kind = str(r.get("kind"));
    String caseId = str(r.get("caseId"));
    String departmentCode = str(r.get("departmentCode"));
    String departmentName = str(r.get("departmentName"));
    String itemCode = str(r.get("itemCode"));
    String channel = str(r.get("channel"));
    String deliveryMethod = str(r.get("deliveryMethod"));
    long eventTime = (Long) r.get("eventTime");
    String sourceSystem = str(r.get("sourceSystem"));
    String sourceRecordId = str(r.get("sourceRecordId"));
    @SuppressWarnings("unchecked")
    Map<Object, Object> attributes = (Map<Object, Object>) r.get("attributes");

    if (PersonalData.any(eventId) || PersonalData.any(caseId) || PersonalData.any(departmentCode)
        || PersonalData.any(departmentName) || PersonalData.any(itemCode) || PersonalData.any(sourceSystem)
        || PersonalData.any(sourceRecordId)) return null;
    if (!text(eventId, 128) || !text(caseId, 128)) return null;
    if (kind.equals("UNKNOWN")) return null;
    if (!text(departmentCode, 64) || !departmentCodeOk(departmentCode) || !text(departmentName, 128)) return null;
    if (eventTime < EARLIEST_EVENT_TIME_MS || eventTime > timestampMs + MAX_FUTURE_SKEW_MS) return null;
    if (kind.equals("CONSULTED")) {
      if (!(channel.equals("PHONE") || channel.equals("ONSITE") || channel.equals("OTHER"))) return null;
    } else if (channel.equals("PHONE") || channel.equals("ONSITE")) return null;
    if (kind.equals("DELIVERED") ? deliveryMethod == null : deliveryMethod != null) return null;
    if (itemCode != null && !text(itemCode, 128)) return null;
    if (!text(sourceSystem, 64) || !text(sourceRecordId, 256)) return null;
    if (attributes.size() > 32) return null;
    for (Map.Entry<Object, Object> a : attributes.entrySet()) {
      String k = a.getKey().toString();
      String v = a.getValue().toString();
      if (k.isEmpty() || k.length() > 64 || k.equals("__proto__") || v.length() > 512) return null;
      if (PersonalData.any(k) || PersonalData.any(v)) return null;
    }
    if (key == null || !java.util.Arrays.equals(key, caseId.getBytes(java.nio.charset.StandardCharsets.UTF_8))) return null;
    return new Event(eventId, kind, caseId, departmentCode, channel, deliveryMethod, eventTime);
  }

  /** 2000-01-01 00:00 China Standard Time. */
  static final long EARLIEST_EVENT_TIME_MS = 946_656_000_000L;
  static final long MAX_FUTURE_SKEW_MS = 24L * 60 * 60 * 1000;

  private static String str(Object o) {
    return o == null ? null : o.toString();
  }

  /** Non-blank, at most max UTF-16 units, no control characters, no leading or trailing spaces. */
  private static boolean text(String s, int max) {
    int n = s.length();
    if (n == 0 || n > max) return false;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) return false;
    }
    return !Character.isWhitespace(s.charAt(0)) && !Character.isWhitespace(s.charAt(n - 1));
  }

  private static boolean departmentCodeOk(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
      if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-'))) return false;
    }
    return true;
  }
}
