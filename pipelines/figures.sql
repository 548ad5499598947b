-- The eight figures of the window report's section 一, per department, for one month.
-- 月报第一部分的八项数字,按部门统计。Parameter: $month = 'YYYY-MM' (China Standard Time).
--
-- Reads the deduplicated tables `milestones` and `consultations` (the live store and every
-- snapshot.duckdb have them with the same columns). Each row there is one winning copy: a case
-- counts at most once per kind, ever, in the CST month of its own winning event time, under the
-- winning copy's department. The month totals are the sums of the department rows.
-- 每个办件每个环节只计一次,计入胜出副本事件时间所在的北京时间自然月及其部门;月度合计为各部门之和。
--
-- Departments are counted by code. Their names come from the department registry
-- (pipelines/departments/<code>.yaml), never from the events: "reportedNames" lists the names the
-- counted events carried, so a name that differs from the registry shows as a data-quality finding.
-- 部门按代码统计;部门名称以部门登记(pipelines/departments)为准,事件所报名称仅用于数据质量核对。
WITH counted AS (
  SELECT department_code, department_name, kind, channel, delivery_method
  FROM milestones WHERE month = $month
  UNION ALL
  SELECT department_code, department_name, 'CONSULTED' AS kind, channel, NULL AS delivery_method
  FROM consultations WHERE month = $month
),
per_department AS (
  SELECT
    department_code,
    list(DISTINCT department_name ORDER BY department_name) AS reported_names,
    -- 受理政务服务事项全程网办: received, full-online
    count(*) FILTER (WHERE kind = 'RECEIVED' AND channel = 'FULL_ONLINE') AS "fullOnlineReceived",
    -- 办结政务服务事项全程网办: completed, full-online
    count(*) FILTER (WHERE kind = 'COMPLETED' AND channel = 'FULL_ONLINE') AS "fullOnlineCompleted",
    -- 综合窗口受理政务服务事项: received at the comprehensive window
    count(*) FILTER (WHERE kind = 'RECEIVED' AND channel = 'COMPREHENSIVE_WINDOW') AS "windowReceived",
    -- 窗口出件量: results handed over at a window
    count(*) FILTER (WHERE kind = 'DELIVERED' AND delivery_method = 'WINDOW_PICKUP') AS "windowDelivered",
    -- 政务大厅现场邮寄量: results posted from the hall
    count(*) FILTER (WHERE kind = 'DELIVERED' AND delivery_method = 'MAIL') AS "mailed",
    -- 电话咨询 人(次): phone consultations
    count(*) FILTER (WHERE kind = 'CONSULTED' AND channel = 'PHONE') AS "phoneConsultations",
    -- 现场咨询服务 人(次): on-site consultations
    count(*) FILTER (WHERE kind = 'CONSULTED' AND channel = 'ONSITE') AS "onsiteConsultations"
  FROM counted
  GROUP BY department_code
)
SELECT
  department_code AS "departmentCode",
  reported_names AS "reportedNames",
  -- 办理政务服务事项 = 全程网办受理 + 综合窗口受理
  "fullOnlineReceived" + "windowReceived" AS "totalHandled",
  "fullOnlineReceived", "fullOnlineCompleted", "windowReceived", "windowDelivered", "mailed",
  "phoneConsultations", "onsiteConsultations"
FROM per_department
ORDER BY department_code;
