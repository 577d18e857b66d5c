/**
 * Dynamic batching, as TF Serving and TorchServe do it: rows submitted by concurrent requests
 * for one model queue here and leave as one forward pass when `maxBatch` rows are waiting, or
 * when the oldest has waited `maxWaitMs`. While `maxInFlight` batches are already running, rows
 * keep accumulating, so under load batches grow by themselves (and with no load a lone request
 * waits at most `maxWaitMs`). Each row keeps its own promise, so every caller gets exactly its
 * own rows back, whatever batch they travelled in.
 *
 * The wait window is for rows that find a batch slot free. Rows that queued behind a full
 * pipeline have waited a whole forward pass already and leave at the next free slot, and when
 * the last running batch ends with rows queued they leave at once: waiting then would only
 * leave the worker idle, which under a steady load cost a fifth of the throughput.
 */

export interface BatchInfo {
  size: number;
  /** How long the oldest row of the batch waited in the queue. */
  waitMs: number;
}

export interface BatcherOptions<I, O> {
  maxBatch: number;
  maxWaitMs: number;
  maxInFlight: number;
  /** Runs one batch; must return one output per input, in order. */
  run(items: I[]): Promise<O[]>;
  onBatch?(info: BatchInfo): void;
}

interface Pending<I, O> {
  item: I;
  at: number;
  /** Queued while every batch slot was busy: it leaves at the next free slot. */
  ready: boolean;
  resolve: (o: O) => void;
  reject: (err: unknown) => void;
}

export class DynamicBatcher<I, O> {
  private queue: Pending<I, O>[] = [];
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: BatcherOptions<I, O>) {}

  /** Queues the rows of one request; resolves with their outputs in the same order. */
  submit(items: I[]): Promise<O[]> {
    const now = performance.now();
    const ready = this.inFlight >= this.opts.maxInFlight;
    const out = items.map(
      (item) =>
        new Promise<O>((resolve, reject) => this.queue.push({ item, at: now, ready, resolve, reject })),
    );
    this.pump();
    return Promise.all(out);
  }

  /** Nothing queued or running. */
  get idle(): boolean {
    return this.queue.length === 0 && this.inFlight === 0;
  }

  /** `drained`: called as the last running batch ended (the worker is now idle). */
  private pump(drained = false): void {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    const { maxBatch, maxWaitMs, maxInFlight } = this.opts;
    while (this.queue.length > 0 && this.inFlight < maxInFlight) {
      const head = this.queue[0]!;
      const waited = performance.now() - head.at;
      const mayWait = !head.ready && !(drained && this.inFlight === 0);
      if (mayWait && this.queue.length < maxBatch && waited < maxWaitMs) {
        this.timer = setTimeout(() => this.pump(), Math.max(1, Math.ceil(maxWaitMs - waited)));
        return;
      }
      this.dispatch(this.queue.splice(0, maxBatch), waited);
    }
  }

  private dispatch(batch: Pending<I, O>[], waitMs: number): void {
    this.inFlight++;
    this.opts.onBatch?.({ size: batch.length, waitMs });
    let run: Promise<O[]>;
    try {
      run = this.opts.run(batch.map((p) => p.item));
    } catch (err) {
      run = Promise.reject(err);
    }
    run
      .then((outs) => {
        if (outs.length !== batch.length) {
          throw new Error(`batch returned ${outs.length} outputs for ${batch.length} inputs`);
        }
        batch.forEach((p, i) => p.resolve(outs[i] as O));
      })
      .catch((err: unknown) => batch.forEach((p) => p.reject(err)))
      .finally(() => {
        this.inFlight--;
        this.pump(this.inFlight === 0);
      });
  }
}
