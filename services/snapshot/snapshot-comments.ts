/** Table and column comments of snapshot.duckdb, English and Chinese, for analysts (`DESCRIBE`, `duckdb_columns()`). */
const t = (table: string, text: string) => `COMMENT ON TABLE ${table} IS '${text.replaceAll("'", "''")}'`;
const c = (column: string, text: string) => `COMMENT ON COLUMN ${column} IS '${text.replaceAll("'", "''")}'`;

export const SNAPSHOT_COMMENTS: string[] = [
  t('snapshot_info', 'Which month and version this is, when it was taken, whether it is provisional / 快照信息'),
  t('figures_total', 'The eight figures of the window report, section 一 / 月报总体数据'),
  c('figures_total.figure', 'figure key, e.g. fullOnlineReceived / 指标'),
  c('figures_total.label_zh', 'report wording / 报表用语'),
  c('figures_total.value', 'count: cases or person-times / 数值(件或人次)'),
  t('figures_by_department', 'The figures per stationed department / 各进驻部门数据'),
  c('figures_by_department.department_code', 'department code / 部门编码'),
  c('figures_by_department.department_name', 'department name / 部门名称'),
  t('milestones', 'Deduplicated case milestones (received, completed, delivered) whose event time falls in the month (China Standard Time) / 本月办件节点(受理、办结、出件),已去重'),
  c('milestones.case_id', 'case id / 办件编号'),
  c('milestones.kind', 'RECEIVED 受理 / COMPLETED 办结 / DELIVERED 出件'),
  c('milestones.channel', 'FULL_ONLINE 全程网办 / COMPREHENSIVE_WINDOW 综合窗口 / DEPARTMENT_WINDOW 部门窗口 / OTHER'),
  c('milestones.delivery_method', 'WINDOW_PICKUP 窗口领取 / MAIL 邮寄 / ELECTRONIC 电子证照 / OTHER; deliveries only'),
  c('milestones.item_code', 'service item implementation code / 实施编码'),
  c('milestones.event_time', 'when it happened, epoch milliseconds UTC (the earliest copy wins) / 发生时间(UTC 毫秒)'),
  c('milestones.event_at', 'event_time as a timestamp / 发生时间'),
  c('milestones.month', 'the month in China Standard Time / 所属月份(北京时间)'),
  c('milestones.copies', 'copies seen of this milestone, the winner included / 收到的副本数'),
  t('consultations', 'Deduplicated consultations in the month / 本月咨询记录,已去重'),
  c('consultations.channel', 'PHONE 电话咨询 / ONSITE 现场咨询 / OTHER'),
  t('case_durations', 'Cases completed in the month with their reception time: days from received to completed / 本月办结办件的办理时长(天)'),
  c('case_durations.received_at', 'when the case was received / 受理时间'),
  c('case_durations.completed_at', 'when it was completed / 办结时间'),
  c('case_durations.days', 'days from received to completed / 办理天数'),
  t('quality', 'Data-quality counts of the month: events_read, duplicates_dropped, late_events, dead_letter by reason / 数据质量计数'),
  t('dead_letters', 'Records sent to the dead-letter topic, by reason code and department / 死信记录(按原因、部门)'),
  t('partition_offsets', 'The case-events offsets this snapshot covers, per partition / 快照覆盖的 Kafka 偏移量'),
];
