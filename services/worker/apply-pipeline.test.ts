import { ApplyPipeline } from './apply-pipeline.js';

/** A promise with its resolve and reject in hand. */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('ApplyPipeline', () => {
  it('returns once a batch is queued, and applies a partition in order', async () => {
    const pipeline = new ApplyPipeline(4);
    const log: string[] = [];
    const first = deferred();
    await pipeline.enqueue(0, async () => {
      await first.promise;
      log.push('p0 b1');
    }, () => undefined);
    // enqueue returned although the apply is still waiting
    expect(pipeline.size).toBe(1);
    const settled = pipeline.settle(0).then(() => log.push('settled'));
    await pipeline.enqueue(1, async () => void log.push('p1 b1'), () => undefined);
    await tick();
    expect(log).toEqual(['p1 b1']);
    first.resolve();
    await settled;
    expect(log).toEqual(['p1 b1', 'p0 b1', 'settled']);
    await pipeline.drain();
    expect(pipeline.size).toBe(0);
  });

  it('throws a failed apply from the partition’s next settle, once, and tells onFailure', async () => {
    const pipeline = new ApplyPipeline(2);
    const failures: string[] = [];
    await pipeline.enqueue(3, async () => {
      throw new Error('disk on fire');
    }, (err) => failures.push(err.message));
    await pipeline.drain();
    expect(failures).toEqual(['disk on fire']);
    await expect(pipeline.settle(4)).resolves.toBeUndefined(); // another partition is not affected
    await expect(pipeline.settle(3)).rejects.toThrow('disk on fire');
    await expect(pipeline.settle(3)).resolves.toBeUndefined();
  });

  it('holds at most maxInFlight batches: enqueue waits for room', async () => {
    const pipeline = new ApplyPipeline(2);
    const gates = [deferred(), deferred(), deferred()];
    let running = 0;
    let most = 0;
    const apply = (i: number) => async () => {
      running++;
      most = Math.max(most, running);
      await gates[i].promise;
      running--;
    };
    await pipeline.enqueue(0, apply(0), () => undefined);
    await pipeline.enqueue(1, apply(1), () => undefined);
    let thirdQueued = false;
    const third = pipeline.enqueue(2, apply(2), () => undefined).then(() => (thirdQueued = true));
    await tick();
    expect(thirdQueued).toBe(false);
    gates[1].resolve();
    await third;
    expect(pipeline.size).toBe(2);
    gates[0].resolve();
    gates[2].resolve();
    await pipeline.drain();
    expect(most).toBe(2);
  });

  it('drain waits for applies queued while it waits', async () => {
    const pipeline = new ApplyPipeline(4);
    const gate = deferred();
    let done = 0;
    await pipeline.enqueue(0, async () => {
      await gate.promise;
      done++;
    }, () => undefined);
    const drained = pipeline.drain().then(() => done);
    await pipeline.enqueue(1, async () => {
      await gate.promise;
      done++;
    }, () => undefined);
    gate.resolve();
    await expect(drained).resolves.toBe(2);
  });

  it('tells how long handlers waited for room and for the partition’s previous batch, and nothing when they did not wait', async () => {
    const waits: Array<[string, number]> = [];
    const pipeline = new ApplyPipeline(1, (reason, seconds) => waits.push([reason, seconds]));
    await pipeline.settle(0); // nothing queued for partition 0: no wait
    const gate = deferred();
    await pipeline.enqueue(0, () => gate.promise, () => undefined); // room: no wait
    expect(waits).toEqual([]);
    const settled = pipeline.settle(0);
    const queued = pipeline.enqueue(1, async () => undefined, () => undefined);
    await new Promise((r) => setTimeout(r, 30));
    gate.resolve();
    await Promise.all([settled, queued]);
    await pipeline.drain();
    expect(waits.map(([reason]) => reason).sort()).toEqual(['apply_queue_full', 'previous_batch']);
    for (const [, seconds] of waits) expect(seconds).toBeGreaterThanOrEqual(0.02);
  });

  it('refuses a bound below one', () => {
    expect(() => new ApplyPipeline(0)).toThrow('maxInFlight');
  });
});
