/**
 * The figure keys, their order and their labels are the report's contract with its readers: written
 * out here by hand from ../../shared/DOMAIN.md, so that any change to them fails a test.
 */
import { describe, expect, it } from '@jest/globals';
import { emptyFigures, FIGURE_KEYS, FIGURE_LABELS } from './window-figures.js';

describe('the eight figures', () => {
  it('are keyed and ordered as the report writes them, with the wording and unit of DOMAIN.md', () => {
    expect(FIGURE_KEYS.map((k) => [k, FIGURE_LABELS[k].zh, FIGURE_LABELS[k].unit])).toEqual([
      ['totalHandled', '办理政务服务事项', 'cases'],
      ['fullOnlineReceived', '受理政务服务事项全程网办', 'cases'],
      ['fullOnlineCompleted', '办结政务服务事项全程网办', 'cases'],
      ['windowReceived', '综合窗口受理政务服务事项', 'cases'],
      ['windowDelivered', '窗口出件量', 'cases'],
      ['mailed', '政务大厅现场邮寄量', 'cases'],
      ['phoneConsultations', '电话咨询', 'person-times'],
      ['onsiteConsultations', '现场咨询服务', 'person-times'],
    ]);
    expect(Object.keys(FIGURE_LABELS)).toEqual([...FIGURE_KEYS]);
  });

  it('start at zero, every one of them, in a fresh object each time', () => {
    const a = emptyFigures();
    expect(a).toEqual({
      totalHandled: 0,
      fullOnlineReceived: 0,
      fullOnlineCompleted: 0,
      windowReceived: 0,
      windowDelivered: 0,
      mailed: 0,
      phoneConsultations: 0,
      onsiteConsultations: 0,
    });
    a.mailed = 5;
    expect(emptyFigures().mailed).toBe(0);
  });
});
