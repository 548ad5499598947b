-- The live store (DuckDB, one file, written only by the stream worker).
-- 实时库(DuckDB 单文件,只有流处理 worker 进程写入)。
--
-- Read docs/live-store.md for the deduplication algorithm and the exactly-once rule.
-- Times are BIGINT epoch milliseconds (UTC instants, exactly as in the CaseEvent); `month` is the
-- calendar month of that instant in China Standard Time (UTC+8), precomputed as 'YYYY-MM'.
-- 时间为 UTC 毫秒时间戳(BIGINT);month 为该时刻在北京时间(UTC+8)下的自然月 'YYYY-MM'。
--
-- Low-cardinality texts of the partition tables (kind, channel, delivery method, department code and
-- name, item code, source system) are stored as INTEGER codes into store_dictionary (schema version 5):
-- a code costs DuckDB a fraction of a text at every checkpoint and in the WAL. The `milestones` and
-- `consultations` views decode them; read those, not the partition tables.
-- 分区表中的低基数文本列以 store_dictionary 的整数编码存储;视图 milestones / consultations 已解码。
--
-- Statements end with ';' at the end of a line. The part after the `@partition-tables` marker is
-- run once per Kafka partition with {p} replaced by `_p<partition>` (and once as `_template`, the
-- empty table that gives the `milestones` / `consultations` views their shape and comments).

CREATE TABLE IF NOT EXISTS store_meta (
  key VARCHAR PRIMARY KEY,
  value VARCHAR NOT NULL
);
COMMENT ON TABLE store_meta IS 'Store bookkeeping: the schema version. 库内部元数据:结构版本。';

CREATE TABLE IF NOT EXISTS store_dictionary (
  code INTEGER PRIMARY KEY,
  value VARCHAR NOT NULL UNIQUE
);
COMMENT ON TABLE store_dictionary IS 'Codes of the low-cardinality texts of the partition tables, dense from 1 (services/store/store-dictionary.ts adds them; never deleted). 分区表低基数文本的编码,从 1 起连续,只增不删。';

-- The dictionary as one list, position = code: the views decode a code c as d[c].
CREATE VIEW IF NOT EXISTS store_decoder AS SELECT list(value ORDER BY code) AS d FROM store_dictionary;

CREATE TABLE IF NOT EXISTS partition_offsets (
  topic VARCHAR NOT NULL,
  partition INTEGER NOT NULL,
  next_offset BIGINT NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (topic, partition)
);
COMMENT ON TABLE partition_offsets IS 'Next Kafka offset to read per partition, written in the same transaction as the rows of the batch it ends (exactly-once effects). 每个分区下一条待读的 Kafka 位点,与该批数据在同一事务中写入(效果恰好一次)。';
COMMENT ON COLUMN partition_offsets.next_offset IS 'Offset after the last record applied. 已应用的最后一条记录之后的位点。';

CREATE TABLE IF NOT EXISTS source_topics (
  topic VARCHAR PRIMARY KEY,
  partitions INTEGER NOT NULL,
  recorded_at TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE source_topics IS 'The partition count of each topic when the store started counting it; the worker refuses to run when the topic has another count (a recreated or resized topic: rebuild the store by replay). 建库时各主题的分区数;分区数变化时 worker 拒绝启动(需重放重建)。';

CREATE TABLE IF NOT EXISTS quality_counts (
  partition INTEGER NOT NULL,
  month VARCHAR NOT NULL,
  department_code VARCHAR NOT NULL,
  metric VARCHAR NOT NULL,
  reason VARCHAR NOT NULL,
  n BIGINT NOT NULL,
  PRIMARY KEY (partition, month, department_code, metric, reason)
);
COMMENT ON TABLE quality_counts IS 'Data-quality counters per partition, month and department; one row per key, n is the running total. 数据质量计数:按分区、月份、部门累计。';
COMMENT ON COLUMN quality_counts.month IS 'CST month of the event; for dead_letter the CST month of ingestion (Kafka record timestamp). 事件所在月;死信为入库(Kafka 记录时间)所在月。';
COMMENT ON COLUMN quality_counts.department_code IS 'Department of the event (for duplicates_dropped: of the dropped copy); empty when unknown. 部门编码,未知时为空串。';
COMMENT ON COLUMN quality_counts.metric IS 'events_read | duplicates_dropped | late_events | dead_letter. 读取事件数 | 去重丢弃数 | 迟到事件数 | 死信数。';
COMMENT ON COLUMN quality_counts.reason IS 'Dead-letter reason code (an error code); empty for the other metrics. 死信原因代码;其他指标为空串。';

CREATE TABLE IF NOT EXISTS milestone_moves (
  partition INTEGER NOT NULL,
  kind VARCHAR NOT NULL,
  case_id VARCHAR NOT NULL,
  old_month VARCHAR NOT NULL,
  new_month VARCHAR NOT NULL,
  old_department_code VARCHAR NOT NULL,
  new_department_code VARCHAR NOT NULL,
  new_event_id VARCHAR NOT NULL,
  moved_at TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE milestone_moves IS 'Log of restatements: a late copy with an earlier event time replaced the winner and changed its month, department, channel or delivery method; the months in old_month/new_month must be restated. 更正日志:更早的迟到副本取代原记录并改变了月份、部门、渠道或送达方式,old_month/new_month 两个月的数字需更正。';
COMMENT ON COLUMN milestone_moves.kind IS 'RECEIVED | COMPLETED | DELIVERED, or CONSULTED for a consultation. 环节类型,咨询为 CONSULTED。';
COMMENT ON COLUMN milestone_moves.case_id IS 'Case id; for CONSULTED the consultation record id. 办件编号;咨询为咨询记录编号。';

CREATE TABLE IF NOT EXISTS restatements_due (
  month VARCHAR PRIMARY KEY,
  since TIMESTAMPTZ NOT NULL
);
COMMENT ON TABLE restatements_due IS 'Months that milestone_moves touched, taken out of the log by the snapshot schedule and removed once the month has been snapshotted again (services/store/restatements-due.ts). 待更正月份:由快照调度从更正日志中取出,该月重新快照后删除。';

-- @partition-tables

CREATE TABLE IF NOT EXISTS milestones{p} (
  partition INTEGER NOT NULL,
  key_hash UBIGINT NOT NULL,
  case_id VARCHAR NOT NULL,
  kind INTEGER NOT NULL,
  month VARCHAR NOT NULL,
  event_time BIGINT NOT NULL,
  event_id VARCHAR NOT NULL,
  channel INTEGER NOT NULL,
  delivery_method INTEGER,
  department_code INTEGER NOT NULL,
  department_name INTEGER NOT NULL,
  item_code INTEGER,
  source_system INTEGER NOT NULL,
  source_record_id VARCHAR NOT NULL,
  copies INTEGER NOT NULL
);
COMMENT ON TABLE milestones{p} IS 'Deduplicated case milestones: one row per (case_id, kind), the winning copy (earliest event_time, then smallest event_id). kind, channel, delivery_method, department_code, department_name, item_code and source_system hold store_dictionary codes; the milestones view shows their texts. 去重后的办件环节:每个(办件编号, 环节)一行,取事件时间最早、其次事件编号最小的副本;低基数文本列存编码,视图 milestones 显示文本。';
COMMENT ON COLUMN milestones{p}.partition IS 'Kafka partition the case lives in (the key is the case id). 办件所在 Kafka 分区。';
COMMENT ON COLUMN milestones{p}.key_hash IS '64-bit hash of (kind, case_id), computed by casepipe (services/store/key-hash.ts): speeds up the dedupe lookups only; identity is (case_id, kind). 仅用于加速去重查找的哈希,身份仍为(case_id, kind)。';
COMMENT ON COLUMN milestones{p}.case_id IS '办件编号 / 申办流水号.';
COMMENT ON COLUMN milestones{p}.kind IS 'RECEIVED 受理 | COMPLETED 办结 | DELIVERED 出件.';
COMMENT ON COLUMN milestones{p}.month IS 'CST month (YYYY-MM) of event_time. 事件时间所在北京时间自然月。';
COMMENT ON COLUMN milestones{p}.event_time IS 'Epoch milliseconds (UTC instant). UTC 毫秒时间戳。';
COMMENT ON COLUMN milestones{p}.event_id IS 'Id of the winning copy. 胜出副本的事件编号。';
COMMENT ON COLUMN milestones{p}.channel IS 'FULL_ONLINE 全程网办 | COMPREHENSIVE_WINDOW 综合窗口 | DEPARTMENT_WINDOW 部门窗口 | OTHER.';
COMMENT ON COLUMN milestones{p}.delivery_method IS 'DELIVERED only: WINDOW_PICKUP 窗口领取 | MAIL 邮寄 | ELECTRONIC 电子证照 | OTHER.';
COMMENT ON COLUMN milestones{p}.department_code IS '进驻部门编码.';
COMMENT ON COLUMN milestones{p}.department_name IS '进驻部门名称.';
COMMENT ON COLUMN milestones{p}.item_code IS '事项实施编码, when known.';
COMMENT ON COLUMN milestones{p}.source_system IS 'System that reported the winning copy. 上报胜出副本的系统。';
COMMENT ON COLUMN milestones{p}.source_record_id IS 'Record id in that system. 该系统中的记录编号。';
COMMENT ON COLUMN milestones{p}.copies IS 'Copies seen, the winner included. 已见副本数(含胜出副本)。';

CREATE TABLE IF NOT EXISTS consultations{p} (
  partition INTEGER NOT NULL,
  key_hash UBIGINT NOT NULL,
  department_code INTEGER NOT NULL,
  record_id VARCHAR NOT NULL,
  month VARCHAR NOT NULL,
  event_time BIGINT NOT NULL,
  event_id VARCHAR NOT NULL,
  channel INTEGER NOT NULL,
  department_name INTEGER NOT NULL,
  source_system INTEGER NOT NULL,
  source_record_id VARCHAR NOT NULL,
  copies INTEGER NOT NULL
);
COMMENT ON TABLE consultations{p} IS 'Deduplicated consultations: one row per (department_code, record_id), the winning copy. department_code, channel, department_name and source_system hold store_dictionary codes; the consultations view shows their texts. 去重后的咨询:每个(部门, 咨询记录编号)一行;低基数文本列存编码,视图 consultations 显示文本。';
COMMENT ON COLUMN consultations{p}.key_hash IS '64-bit hash of (department_code, record_id), computed by casepipe (services/store/key-hash.ts): speeds up the dedupe lookups only. 仅用于加速去重查找的哈希。';
COMMENT ON COLUMN consultations{p}.record_id IS 'Consultation record id (the CaseEvent caseId of a CONSULTED event). 咨询记录编号。';
COMMENT ON COLUMN consultations{p}.month IS 'CST month (YYYY-MM) of event_time. 事件时间所在北京时间自然月。';
COMMENT ON COLUMN consultations{p}.event_time IS 'Epoch milliseconds (UTC instant). UTC 毫秒时间戳。';
COMMENT ON COLUMN consultations{p}.channel IS 'PHONE 电话咨询 | ONSITE 现场咨询 | OTHER.';
COMMENT ON COLUMN consultations{p}.copies IS 'Copies seen, the winner included. 已见副本数(含胜出副本)。';
