/**
 * The wait between two polls of a source: resolves after `ms`, at once when `signal` aborts (a stop),
 * or when `wake` calls its argument (e.g. a file-system watch on an inbox). `wake` returns how to undo
 * what it set up; every timer, listener and watch is cleaned up whichever way the wait ends.
 */
export function pollWait(signal: AbortSignal, ms: number, wake?: (done: () => void) => (() => void) | void): Promise<void> {
  return new Promise((resolve) => {
    let undoWake: (() => void) | void = undefined;
    let ended = false;
    const done = () => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      undoWake?.();
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    if (signal.aborted) return done();
    undoWake = wake?.(done);
    if (ended) undoWake?.();
  });
}
