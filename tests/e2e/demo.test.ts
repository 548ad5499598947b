/**
 * The demo pipeline end to end on the real broker: the generated August 2025 goes through Kafka, the
 * worker and the snapshot job, and comes out as the reference report's eight figures and paragraph,
 * with every malformed record dead-lettered under its reason. A second run says it reset the data.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runDemo } from '../../services/demo/run-demo.js';
import { generateMonth } from '../../services/demo/month-generator.js';
import { silentLogger } from '../../services/platform/logger.js';
import { testPipeline } from '../fixtures/pipeline.js';

const REFERENCE_PARAGRAPH =
  '8月,省本级办理政务服务事项 5.25 万件。各进驻部门(单位)窗口共受理政务服务事项全程网办 5.09 万件,办结政务服务事项全程网办 5.22 万件;' +
  '综合窗口受理政务服务事项 0.16 万件,窗口出件量 0.34 万件;政务大厅现场邮寄量 0.08 万件;为办事企业群众提供电话咨询 1093 人(次)、现场咨询服务 4811 人(次)。';

describe('npm run demo', () => {
  const p = testPipeline('demo');
  afterAll(() => p.cleanup());

  it('reproduces the August 2025 report from generated raw events', async () => {
    const lines: string[] = [];
    const result = await runDemo({ config: p.config, logger: silentLogger(), brokers: p.brokers, print: (l) => lines.push(l) });

    expect(result.figures.total).toEqual({
      totalHandled: 52500,
      fullOnlineReceived: 50900,
      fullOnlineCompleted: 52200,
      windowReceived: 1600,
      windowDelivered: 3400,
      mailed: 800,
      phoneConsultations: 1093,
      onsiteConsultations: 4811,
    });
    expect(result.paragraph).toBe(REFERENCE_PARAGRAPH);
    expect(lines).toContain(REFERENCE_PARAGRAPH);
    expect(result.figures).toEqual(result.truth);

    // Every malformed record is in the dead-letter counts under the reason it was made for.
    const truth = generateMonth({ month: '2025-08', seed: 20250926 }).truth.malformedByReason;
    expect(result.deadLettersByReason).toEqual(truth);
    expect(Object.keys(truth).length).toBeGreaterThanOrEqual(8);

    const report = fs.readFileSync(path.join(result.snapshotFolder, 'report.md'), 'utf8');
    expect(report).toContain(REFERENCE_PARAGRAPH);
    expect(result.reset).toBe(false);
  });

  it('says it resets the data of the previous run on a second run, and gives the same figures', async () => {
    const lines: string[] = [];
    const result = await runDemo({ config: p.config, logger: silentLogger(), brokers: p.brokers, print: (l) => lines.push(l) });
    expect(result.reset).toBe(true);
    expect(lines.some((l) => l.startsWith('Resetting the data of the previous demo run'))).toBe(true);
    expect(result.paragraph).toBe(REFERENCE_PARAGRAPH);
    expect(result.version).toBe(1);
  });
});
