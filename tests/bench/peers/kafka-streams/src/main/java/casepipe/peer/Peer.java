package casepipe.peer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import org.apache.avro.Schema;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The Kafka Streams application a JVM team would write for the stream worker's job: decode (Avro
 * single-object encoding, resolved to the newest schema), validate, earliest-wins dedupe per case and
 * kind (per department and record for consultations) in a RocksDB store with its changelog, month
 * figures kept with plus/minus on replacement in a second store, exactly_once_v2, 2 stream threads.
 *
 * Arguments (name=value): bootstrap, topic, app-id, state-dir, schemas-dir, figures-out, threads.
 * On SIGTERM it writes the figures of every month, department and metric (summed over its tasks) as
 * JSON to figures-out, then closes.
 */
public final class Peer {
  public static final String WINNERS = "winners";
  public static final String FIGURES = "figures";

  public static void main(String[] argv) throws Exception {
    Map<String, String> args = new HashMap<>();
    for (String a : argv) {
      int eq = a.indexOf('=');
      if (eq < 0) throw new IllegalArgumentException("argument " + a + " is not name=value");
      args.put(a.substring(0, eq).replaceFirst("^--", ""), a.substring(eq + 1));
    }
    String topic = required(args, "topic");
    Path figuresOut = Path.of(required(args, "figures-out"));
    List<Schema> schemas = CaseEventCodec.loadSchemas(Path.of(required(args, "schemas-dir")));

    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, required(args, "app-id"));
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, required(args, "bootstrap"));
    props.put(StreamsConfig.STATE_DIR_CONFIG, required(args, "state-dir"));
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.parseInt(args.getOrDefault("threads", "2")));
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");

    Topology topology = new Topology();
    topology.addSource("case-events", Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer(), topic);
    topology.addProcessor("count", () -> new CountProcessor(new CaseEventCodec(schemas)), "case-events");
    // Caching on, as the DSL would have it: the figures store takes many updates of few keys.
    topology.addStateStore(
        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(WINNERS), Serdes.Bytes(), Serdes.ByteArray()).withCachingEnabled(),
        "count");
    topology.addStateStore(
        Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(FIGURES), Serdes.String(), Serdes.Long()).withCachingEnabled(),
        "count");

    KafkaStreams streams = new KafkaStreams(topology, props);
    CountDownLatch closed = new CountDownLatch(1);
    streams.setUncaughtExceptionHandler(e -> {
      System.err.println("peer: stream thread failed: " + e);
      e.printStackTrace();
      return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        writeFigures(streams, figuresOut);
      } catch (Exception e) {
        System.err.println("peer: could not write figures: " + e);
        e.printStackTrace();
      } finally {
        streams.close(Duration.ofSeconds(60));
        System.err.printf("peer: records=%d valid=%d invalid=%d duplicates=%d replaced=%d%n",
            CountProcessor.RECORDS.sum(), CountProcessor.VALID.sum(), CountProcessor.INVALID.sum(),
            CountProcessor.DUPLICATES.sum(), CountProcessor.REPLACED.sum());
        closed.countDown();
      }
    }));
    streams.start();
    closed.await();
  }

  /** month → department → metric → count, summed over the local tasks' figure stores. */
  static void writeFigures(KafkaStreams streams, Path out) throws IOException, InterruptedException {
    for (int i = 0; i < 600 && streams.state() != KafkaStreams.State.RUNNING; i++) Thread.sleep(100);
    ReadOnlyKeyValueStore<String, Long> store =
        streams.store(StoreQueryParameters.fromNameAndType(FIGURES, QueryableStoreTypes.keyValueStore()));
    Map<String, Map<String, Map<String, Long>>> figures = new TreeMap<>();
    try (KeyValueIterator<String, Long> it = store.all()) {
      while (it.hasNext()) {
        KeyValue<String, Long> kv = it.next();
        String[] parts = kv.key.split("\u0000", 3);
        figures.computeIfAbsent(parts[0], m -> new TreeMap<>())
            .computeIfAbsent(parts[1], d -> new TreeMap<>())
            .merge(parts[2], kv.value, Long::sum);
      }
    }
    StringBuilder json = new StringBuilder("{");
    String sep = "";
    for (var month : figures.entrySet()) {
      json.append(sep).append('"').append(month.getKey()).append("\":{");
      sep = "";
      for (var dept : month.getValue().entrySet()) {
        json.append(sep).append(quote(dept.getKey())).append(":{");
        sep = "";
        for (var metric : dept.getValue().entrySet()) {
          json.append(sep).append('"').append(metric.getKey()).append("\":").append(metric.getValue());
          sep = ",";
        }
        json.append('}');
        sep = ",";
      }
      json.append('}');
      sep = ",";
    }
    json.append("}\n");
    Path tmp = out.resolveSibling(out.getFileName() + ".tmp");
    Files.writeString(tmp, json, StandardCharsets.UTF_8);
    Files.move(tmp, out, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  private static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }

  private static String required(Map<String, String> args, String name) {
    String v = args.get(name);
    if (v == null || v.isEmpty()) throw new IllegalArgumentException("missing argument " + name + "=...");
    return v;
  }
}
