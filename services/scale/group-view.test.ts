import { emptyFigures, type MonthFigures } from '../figures/window-figures.js';
import { addGroupFigures, formatGroupStatus } from './group-view.js';

const figures = (n: number): MonthFigures => ({
  month: '2025-08',
  total: { ...emptyFigures(), fullOnlineReceived: n, totalHandled: n },
  departments: [{ departmentCode: 'A', departmentName: 'A', figures: { ...emptyFigures(), fullOnlineReceived: n, totalHandled: n } }],
});

describe('the group figures', () => {
  it('add up across the workers’ partitions', () => {
    const r = addGroupFigures('2025-08', [
      { worker: 'w0', owned: { figures: figures(10), partitions: [0, 1], generation: 4, memberId: 'm0' } },
      { worker: 'w1', owned: { figures: figures(5), partitions: [2], generation: 4, memberId: 'm1' } },
    ]);
    expect(r.figures.total.fullOnlineReceived).toBe(15);
    expect(r.figures.departments[0].figures.totalHandled).toBe(15);
    expect(r.counted).toEqual({ 0: 'w0', 1: 'w0', 2: 'w1' });
  });

  it('count a partition claimed twice (mid-rebalance) once, from the later generation', () => {
    const r = addGroupFigures('2025-08', [
      { worker: 'stale', owned: { figures: figures(100), partitions: [0, 1, 2], generation: 3, memberId: 'm9' } },
      { worker: 'w0', owned: { figures: figures(10), partitions: [0, 1], generation: 4, memberId: 'm0' } },
      { worker: 'w1', owned: { figures: figures(5), partitions: [2], generation: 4, memberId: 'm1' } },
    ]);
    expect(r.figures.total.fullOnlineReceived).toBe(15);
    expect(Object.values(r.counted)).not.toContain('stale');
  });

  it('leave out a partition its new owner is still replaying, and let no older generation count it instead', () => {
    const r = addGroupFigures('2025-08', [
      { worker: 'stale', owned: { figures: figures(100), partitions: [1, 2], generation: 3, memberId: 'm9' } },
      { worker: 'w0', owned: { figures: figures(10), partitions: [0], restoring: [1], generation: 4, memberId: 'm0' } },
    ]);
    expect(r.figures.total.fullOnlineReceived).toBe(10);
    expect(r.counted).toEqual({ 0: 'w0' });
    expect(r.restoring).toEqual({ 1: 'w0' });
  });

  it('show in the status which owned partitions a worker is still restoring', () => {
    const text = formatGroupStatus(
      {
        workers: [
          { worker: 'w0', url: 'http://a', partitions: [0, 1, 2], generation: 5, ready: true },
          { worker: 'w1', url: 'http://b', partitions: [3, 4, 5], generation: 5, ready: true, restoring: [4, 5] },
        ],
      },
      6,
    );
    expect(text).toMatch(/w0 .*partitions 0,1,2  http:\/\/a/);
    expect(text).toMatch(/w1 .*partitions 3,4,5 \(restoring 4,5\)  http:\/\/b/);
    expect(text).toContain('all 6 partitions owned');
  });
});
