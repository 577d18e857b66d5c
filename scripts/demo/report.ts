/** The demo's results table and the conclusion drawn from it, in plain text for a terminal. */

export interface DemoRow {
  kind: 'source' | 'transfer' | 'scratch';
  /** What the row is, for people. */
  model: string;
  modelId: string;
  jobId: string;
  /** The digits it classifies, e.g. "5-9". */
  digits: string;
  /** Which draw of training images (1-based); absent for the source model. */
  draw?: number;
  examplesPerClass: number;
  epochs: number;
  /** Fraction of held-out digits /predict labelled correctly. */
  heldOutAccuracy: number;
  heldOutExamples: number;
  /** The job's wall time, startedAt to finishedAt (data loading, training, evaluation, saving). */
  trainMs: number;
  /** Predictions per second over sequential requests of up to 64 instances, model already loaded. */
  predictPerSec: number;
  /** The job's own cross-validated estimate (GET /v1/models/:id evaluation), when it made one. */
  estimate?: Estimate;
}

/** What a cross-validated job reported: accuracy with its 95% interval, from out-of-fold predictions. */
export interface Estimate {
  accuracy: number;
  low: number;
  high: number;
  /** Out-of-fold predictions it rests on. */
  examples: number;
  folds: number;
}

/** Transfer against from scratch over every draw. */
export interface Comparison {
  examplesPerClass: number;
  draws: number;
  heldOutExamples: number;
  transfer: { accuracies: number[]; meanAccuracy: number; meanTrainMs: number };
  scratch: { accuracies: number[]; meanAccuracy: number; meanTrainMs: number };
  /** Draws in which transfer scored higher, lower, the same. */
  transferAhead: number;
  transferBehind: number;
  /** Two standard errors of the difference of two accuracies on this many held-out digits. */
  noise: number;
  verdict: 'transfer' | 'scratch' | 'unclear';
  /** Draws whose transfer job reported a cross-validated estimate, and in how many its interval held the held-out accuracy. */
  estimates: { draws: number; covered: number };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function compare(rows: DemoRow[]): Comparison {
  const transfer = rows.filter((r) => r.kind === 'transfer');
  const scratch = rows.filter((r) => r.kind === 'scratch');
  const first = transfer[0];
  if (!first || transfer.length !== scratch.length) throw new Error('need one scratch row per transfer row');
  const side = (rs: DemoRow[]) => ({
    accuracies: rs.map((r) => r.heldOutAccuracy),
    meanAccuracy: mean(rs.map((r) => r.heldOutAccuracy)),
    meanTrainMs: mean(rs.map((r) => r.trainMs)),
  });
  const t = side(transfer);
  const s = side(scratch);
  const gaps = t.accuracies.map((a, i) => a - (s.accuracies[i] as number));
  const a = t.meanAccuracy;
  const b = s.meanAccuracy;
  const noise = 2 * Math.sqrt((a * (1 - a) + b * (1 - b)) / first.heldOutExamples);
  // A side wins only if it is ahead in every draw and by more than one evaluation's noise on
  // average: one lucky draw or initialisation must not decide the verdict.
  const verdict =
    gaps.every((g) => g > 0) && a - b > noise
      ? 'transfer'
      : gaps.every((g) => g < 0) && b - a > noise
        ? 'scratch'
        : 'unclear';
  return {
    examplesPerClass: first.examplesPerClass,
    draws: transfer.length,
    heldOutExamples: first.heldOutExamples,
    transfer: t,
    scratch: s,
    transferAhead: gaps.filter((g) => g > 0).length,
    transferBehind: gaps.filter((g) => g < 0).length,
    noise,
    verdict,
    estimates: {
      draws: transfer.filter((r) => r.estimate).length,
      covered: transfer.filter((r) => r.estimate && covers(r.estimate, r.heldOutAccuracy)).length,
    },
  };
}

const covers = (e: Estimate, accuracy: number) => e.low <= accuracy && accuracy <= e.high;

/** "84.0% (72.1-91.4%) of 50": the estimate, its 95% interval and the predictions it rests on. */
export function formatEstimate(e: Estimate): string {
  const p = (x: number) => (x * 100).toFixed(1);
  return `${p(e.accuracy)}% (${p(e.low)}-${p(e.high)}%) of ${e.examples}`;
}

export function formatTable(rows: DemoRow[], c: Comparison): string {
  const header = [
    'model',
    'digits',
    'draw',
    'examples/class',
    'epochs',
    'held-out accuracy',
    'job estimate (95%)',
    'training time',
    'predict',
  ];
  const body = rows.map((r) => [
    r.model,
    r.digits,
    r.draw === undefined ? '' : String(r.draw),
    String(r.examplesPerClass),
    String(r.epochs),
    `${pct(r.heldOutAccuracy)} of ${r.heldOutExamples}`,
    r.estimate ? formatEstimate(r.estimate) : '-',
    secs(r.trainMs),
    `${Math.round(r.predictPerSec)} img/s`,
  ]);
  if (c.draws > 1) {
    const epochs = String(rows.find((r) => r.kind === 'transfer')?.epochs ?? '');
    for (const [model, side] of [
      ['transfer (frozen)', c.transfer],
      ['from scratch', c.scratch],
    ] as const) {
      body.push([
        model,
        '5-9',
        'mean',
        String(c.examplesPerClass),
        epochs,
        pct(side.meanAccuracy),
        '',
        secs(side.meanTrainMs),
        '',
      ]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] as string).length)));
  // Text columns left-aligned, numbers right-aligned.
  const cell = (s: string, i: number) =>
    i < 2 ? s.padEnd(widths[i] as number) : s.padStart(widths[i] as number);
  const line = (cells: string[]) => cells.map(cell).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** What the numbers say, and no more. */
export function conclusion(c: Comparison): string {
  const k = c.examplesPerClass;
  const a = c.transfer.meanAccuracy;
  const b = c.scratch.meanAccuracy;
  const gap = `${(Math.abs(a - b) * 100).toFixed(1)} points`;
  const draws = c.draws === 1 ? 'one draw of training images' : `${c.draws} draws of training images`;
  const tally =
    c.draws === 1
      ? ''
      : ` Transfer was ahead in ${c.transferAhead} of ${c.draws} draws, behind in ${c.transferBehind}.`;
  const noise = `(gaps under ${(c.noise * 100).toFixed(1)} points are within the noise of ${c.heldOutExamples} held-out digits)`;
  const averaged = c.draws === 1 ? '' : 'on average ';
  const verdict =
    c.verdict === 'transfer'
      ? `With ${k} examples per class, transfer learning won: ${averaged}${pct(a)} against ${pct(b)} for the ` +
        `same network trained from scratch on the same images for the same epochs, +${gap} ${noise}.${tally} ` +
        'The convolutions learned on digits 0-4 carry over to digits they never saw.'
      : c.verdict === 'scratch'
        ? `With ${k} examples per class, training from scratch did better: ${averaged}${pct(b)} against ` +
          `${pct(a)} for transfer, ${gap} ${noise}.${tally} The frozen features of digits 0-4 did not help here.`
        : `With ${k} examples per class, no clear winner: transfer ${averaged}${pct(a)}, from scratch ` +
          `${pct(b)} ${noise}.${tally}`;
  const t = c.transfer.meanTrainMs;
  const s = c.scratch.meanTrainMs;
  const withCv = c.estimates.draws > 0 ? ', its cross-validation included,' : '';
  const speed =
    t < s
      ? `Transfer trained ${(s / t).toFixed(1)}x faster (${secs(t)}${withCv} against ${secs(s)}): only its new head is trained.`
      : `Transfer took ${secs(t)} to train${withCv} against ${secs(s)} from scratch.`;
  const honest =
    c.estimates.draws > 0
      ? ` The transfer job's own cross-validated 95% interval held its held-out accuracy in ${c.estimates.covered} of ${c.estimates.draws} draws.`
      : '';
  return `${verdict} ${speed}${honest} Measured on ${draws}; bench/transfer-mnist.ts covers more sizes.`;
}
