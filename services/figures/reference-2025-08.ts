/**
 * Section 一 of the published August 2025 window report (政务窗口月报 第8期, 2025年9月26日)
 * as counts: what the demo generator aims at and the report tests render. 5.25 万件 = 52,500, and so on.
 */
import type { WindowFigures } from './window-figures.js';

export const AUGUST_2025_PUBLISHED: Readonly<WindowFigures> = {
  totalHandled: 52500,
  fullOnlineReceived: 50900,
  fullOnlineCompleted: 52200,
  windowReceived: 1600,
  windowDelivered: 3400,
  mailed: 800,
  phoneConsultations: 1093,
  onsiteConsultations: 4811,
};
