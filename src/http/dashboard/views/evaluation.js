// A model's evaluation: every figure with the interval around it and the number of examples it
// rests on (src/contracts/evaluation.ts). Models saved before intervals existed show their bare
// figures and say so.
import { Table, fmt, html } from '../ui.js';
/** @import { ClassificationEvaluation, CurvePoint, Evaluation, EvaluationWarnings as Warnings, Forecast, Interval } from '../types.js' */

/** @typedef {{ low: number, high?: number, level?: number }} Range an interval, as far as the views read one */

/** @type {Record<string, (ev: Evaluation) => string>} */
const METHOD = {
  'cross-validation': (ev) => `${ev.folds}-fold cross-validation`,
  holdout: () => 'a held-out validation split',
  'test-split': () => "the dataset's own test split",
  train: () => 'the training examples (no held-out data)',
};

/** @param {unknown} n */
const pct0 = (n) => (typeof n === 'number' && Number.isFinite(n) ? `${Math.round(n * 100)} %` : '–');
/** @param {Range | undefined} iv */
const level = (iv) => `${Math.round((iv?.level ?? 0.95) * 100)} %`;

/**
 * "61 % to 81 %" for an interval, or nothing.
 * @param {Range | undefined} iv
 */
export function rangeText(iv) {
  return iv ? `${pct0(iv.low)} to ${pct0(iv.high)}` : '';
}

/**
 * Where the figures come from, in words: "5-fold cross-validation, 48 out-of-fold predictions".
 * @param {Evaluation} ev
 */
export function methodText(ev) {
  const how = ev.method ? (METHOD[ev.method]?.(ev) ?? ev.method) : 'held-out examples';
  const what = ev.method === 'cross-validation' ? 'out-of-fold predictions' : 'examples';
  return `${how}, ${ev.examples} ${what}`;
}

/**
 * A horizontal track from 0 to 1 with the interval as a band and the estimate as a tick: the
 * width of the band is the uncertainty, read at a glance.
 * @param {{ value: number | undefined, interval: Interval | undefined, testid?: string, label: string }} props
 */
function IntervalBar({ value, interval, testid, label }) {
  /** @param {number | undefined} v */
  const at = (v) => `${Math.max(0, Math.min(1, v ?? 0)) * 100}%`;
  return html`<div
    class="interval-bar"
    role="img"
    aria-label=${`${label}: ${fmt.pct(value)}${interval ? `, ${level(interval)} interval ${rangeText(interval)}` : ''}`}
    data-testid=${testid}
  >
    ${
      interval &&
      html`<span
        class="interval-band"
        style=${`left:${at(interval.low)};width:calc(${at(interval.high)} - ${at(interval.low)})`}
      ></span>`
    }
    <span class="interval-point" style=${`left:${at(value)}`}></span>
  </div>`;
}

/**
 * The headline: accuracy (or MAE/RMSE), its interval, the method and the number of examples.
 * @param {{ ev: Evaluation }} props
 */
export function EvaluationSummary({ ev }) {
  if (ev.task === 'regression') {
    /**
     * @param {string} name
     * @param {number} v
     * @param {Interval | undefined} iv
     */
    const row = (name, v, iv) => html`<dt>${name}</dt>
      <dd>
        ${fmt.num(v, 4)}${iv && html` <span class="muted">(${level(iv)} interval ${fmt.num(iv.low, 4)} to ${fmt.num(iv.high, 4)})</span>`}
      </dd>`;
    return html`<dl class="facts" data-testid="regression-figures">
        ${row('MAE', ev.mae, ev.maeInterval)} ${row('RMSE', ev.rmse, ev.rmseInterval)}
      </dl>
      <p class="muted small" data-testid="evaluation-method">Estimated by ${methodText(ev)}.</p>`;
  }
  const iv = ev.accuracyInterval;
  return html`<p class="big-number" data-testid="model-accuracy">${fmt.pct(ev.accuracy)}</p>
    ${
      iv
        ? html`<p data-testid="accuracy-interval">
            ${level(iv)} interval: <strong>${rangeText(iv)}</strong>
          </p>`
        : html`<p class="muted small">No interval: this model was saved before intervals were computed.</p>`
    }
    <${IntervalBar} value=${ev.accuracy} interval=${iv} label="accuracy" testid="accuracy-bar" />
    <p class="muted small" data-testid="evaluation-method">
      Accuracy from ${methodText(ev)} (loss ${fmt.num(ev.loss, 4)}).${' '}
      ${
        typeof ev.macroF1 === 'number' &&
        html`Macro-F1 ${fmt.num(ev.macroF1)}${ev.macroF1Interval ? ` (${fmt.num(ev.macroF1Interval.low)} to ${fmt.num(ev.macroF1Interval.high)})` : ''}.`
      }
    </p>
    ${
      iv &&
      html`<p class="small">
        On new examples like these, the model is expected to be right between ${pct0(iv.low)}${' '}
        and ${pct0(iv.high)} of the time; the range is wide when it rests on few examples.
      </p>`
    }`;
}

/**
 * Warnings a user can act on (wide interval, a class that may never be recognised, …).
 * @param {{ warnings: Warnings | undefined }} props
 */
export function EvaluationWarnings({ warnings }) {
  if (!warnings || warnings.length === 0) return null;
  return html`<ul class="warnings" data-testid="evaluation-warnings">
    ${warnings.map((w) => html`<li data-code=${w.code}>${w.message}</li>`)}
  </ul>`;
}

/**
 * Per-class recall as bars with their intervals, each labelled with its support.
 * @param {{ ev: ClassificationEvaluation }} props
 */
export function ClassRecall({ ev }) {
  return html`<figure class="bars" aria-label="Recall per class" data-testid="class-recall">
    <ul>
      ${ev.perClass.map(
        (c) =>
          html`<li class="bar-row interval-row">
            <span class="bar-label" title=${c.label}>${c.label}</span>
            <${IntervalBar}
              value=${c.recall}
              interval=${c.recallInterval}
              label=${`recall of ${c.label}`}
            />
            <span class="bar-value" title=${c.recallInterval ? rangeText(c.recallInterval) : ''}
              >${pct0(c.recall)} <span class="muted small">of ${c.support}</span></span
            >
          </li>`,
      )}
    </ul>
    <figcaption class="muted small">
      Recall: the share of each class's examples that the model got right, with its${' '}
      ${level(ev.accuracyInterval)} interval; "of N" is how many examples it rests on.
    </figcaption>
  </figure>`;
}

/**
 * Precision, recall (each with its interval), F1 and support of every class.
 * @param {{ ev: ClassificationEvaluation }} props
 */
export function PerClassTable({ ev }) {
  /**
   * @param {number | undefined} v
   * @param {Interval | undefined} iv
   */
  const cell = (v, iv) =>
    html`<td title=${iv ? `${level(iv)} interval ${rangeText(iv)}` : ''}>
      ${fmt.num(v)}${iv && html`<span class="muted small"> (${fmt.num(iv.low, 2)}–${fmt.num(iv.high, 2)})</span>`}
    </td>`;
  return html`<${Table}
    testid="per-class"
    head=${['Class', 'Precision', 'Recall', 'F1', 'Support']}
    rows=${ev.perClass}
    row=${(/** @type {ClassificationEvaluation['perClass'][number]} */ c) =>
      html`<th scope="row">${c.label}</th>
        ${cell(c.precision, c.precisionInterval)} ${cell(c.recall, c.recallInterval)}
        <td>${fmt.num(c.f1)}</td>
        <td>${c.support}</td>`}
  />`;
}

/**
 * Rows are the true class, columns the predicted one; colour is the share of the row.
 * @param {{ labels: string[], matrix: number[][], examples: number | undefined, method: string | undefined }} props
 */
export function ConfusionMatrix({ labels, matrix, examples, method }) {
  return html`<div class="table-wrap">
    <table class="confusion" data-testid="confusion-matrix">
      <caption class="muted small">
        Rows: true class. Columns: predicted class.
        ${examples !== undefined && ` ${examples} ${method === 'cross-validation' ? 'out-of-fold predictions' : 'examples'}.`}
      </caption>
      <thead>
        <tr>
          <th scope="col"><span class="sr-only">true \\ predicted</span></th>
          ${labels.map((l) => html`<th scope="col">${l}</th>`)}
        </tr>
      </thead>
      <tbody>
        ${matrix.map((row, i) => {
          const total = row.reduce((a, b) => a + b, 0) || 1;
          return html`<tr>
            <th scope="row">${labels[i]}</th>
            ${row.map((v) => {
              const share = v / total;
              const style = `background: rgba(29, 78, 216, ${(0.08 + share * 0.92).toFixed(3)}); color: ${share > 0.45 ? '#fff' : '#0f172a'}`;
              return html`<td style=${style} title=${`${v} of ${total}`}>${v}</td>`;
            })}
          </tr>`;
        })}
      </tbody>
    </table>
  </div>`;
}

const W = 520;
const H = 240;
const PAD = { left: 44, right: 16, top: 12, bottom: 36 };

/**
 * Linear scales from data to the SVG's box.
 * @param {CurvePoint[]} curve
 * @param {Forecast | undefined} forecast
 */
function scales(curve, forecast) {
  const xs = curve.map((p) => p.examplesPerClass);
  if (forecast?.accuracy !== undefined) xs.push(forecast.examplesPerClass);
  const xMax = Math.max(...xs) * 1.05;
  const lows = curve.map((p) => p.low);
  if (forecast?.low !== undefined) lows.push(forecast.low);
  const yMin = Math.max(0, Math.floor(Math.min(...lows) * 10) / 10 - 0.1);
  /** @param {number} v */
  const x = (v) => PAD.left + (v / xMax) * (W - PAD.left - PAD.right);
  /** @param {number} v */
  const y = (v) => H - PAD.bottom - ((v - yMin) / (1 - yMin)) * (H - PAD.top - PAD.bottom);
  return { x, y, xMax, yMin };
}

/**
 * Ticks at round steps (1, 2 or 5 times a power of ten) from `min` up to `max`.
 * @param {number} min
 * @param {number} max
 * @param {number} n about how many
 */
function ticks(min, max, n) {
  const raw = (max - min) / n;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
  const out = [];
  for (let t = Math.ceil(min / step - 1e-9) * step; t <= max + 1e-9; t += step)
    out.push(Number(t.toFixed(6)));
  return out;
}

/**
 * The axes of the learning curve: accuracy ticks with their grid lines, examples-per-class ticks.
 * @param {{ s: ReturnType<typeof scales> }} props
 */
function CurveAxes({ s }) {
  return html`${ticks(s.yMin, 1, 4).map(
    (t) =>
      html`<g>
          <line class="grid" x1=${PAD.left} x2=${W - PAD.right} y1=${s.y(t)} y2=${s.y(t)} />
          <text class="tick" x=${PAD.left - 6} y=${s.y(t) + 4} text-anchor="end">${pct0(t)}</text>
        </g>`,
  )}
    ${ticks(0, s.xMax, 4).map(
      (t) =>
        html`<text class="tick" x=${s.x(t)} y=${H - PAD.bottom + 16} text-anchor="middle">
          ${Math.round(t)}
        </text>`,
    )}
    <text class="axis-label" x=${(W + PAD.left) / 2} y=${H - 4} text-anchor="middle">
      examples per class
    </text>`;
}

/**
 * The forecast at more data: a point with its interval, linked to the curve's last point.
 * @param {{ s: ReturnType<typeof scales>, last: CurvePoint, fc: Forecast & { accuracy: number } }} props
 */
function ForecastPoint({ s, last, fc }) {
  return html`<g data-testid="forecast-point">
    <line
      class="lc-forecast-link"
      x1=${s.x(last.examplesPerClass)}
      y1=${s.y(last.accuracy)}
      x2=${s.x(fc.examplesPerClass)}
      y2=${s.y(fc.accuracy)}
    />
    ${
      fc.low !== undefined &&
      fc.high !== undefined &&
      html`<line
        class="lc-forecast-range"
        x1=${s.x(fc.examplesPerClass)}
        x2=${s.x(fc.examplesPerClass)}
        y1=${s.y(fc.low)}
        y2=${s.y(fc.high)}
      />`
    }
    <circle class="lc-forecast" cx=${s.x(fc.examplesPerClass)} cy=${s.y(fc.accuracy)} r="5" />
  </g>`;
}

/**
 * The curve's points as a table.
 * @param {{ curve: CurvePoint[] }} props
 */
function CurveValues({ curve }) {
  return html`<details>
    <summary>Values (${curve.length} points)</summary>
    <${Table}
      head=${['Examples per class', 'Accuracy', 'Interval', 'Predictions']}
      rows=${curve}
      row=${(/** @type {CurvePoint} */ p) =>
        html`<td>${fmt.num(p.examplesPerClass, 1)}</td>
          <td>${fmt.pct(p.accuracy)}</td>
          <td>${pct0(p.low)} to ${pct0(p.high)}</td>
          <td>${p.examples}</td>`}
    />
  </details>`;
}

/**
 * Accuracy against examples per class (cross-validated at stratified subsets), the interval as a
 * band, and the forecast at more data as a point with its own interval.
 * @param {{ curve: CurvePoint[], forecast: Forecast | undefined }} props
 */
export function LearningCurve({ curve, forecast }) {
  const s = scales(curve, forecast);
  const band = [
    ...curve.map((p) => `${s.x(p.examplesPerClass)},${s.y(p.high)}`),
    ...[...curve].reverse().map((p) => `${s.x(p.examplesPerClass)},${s.y(p.low)}`),
  ].join(' ');
  const line = curve.map((p) => `${s.x(p.examplesPerClass)},${s.y(p.accuracy)}`).join(' ');
  const last = curve[curve.length - 1];
  const fc =
    forecast?.accuracy !== undefined ? /** @type {Forecast & { accuracy: number }} */ (forecast) : undefined;
  return html`<figure class="chart learning-curve" data-testid="learning-curve" data-points=${curve.length}>
    <svg
      viewBox=${`0 0 ${W} ${H}`}
      role="img"
      aria-label=${`Learning curve: accuracy ${curve.map((p) => `${pct0(p.accuracy)} at ${fmt.num(p.examplesPerClass, 0)}`).join(', ')} examples per class`}
    >
      <${CurveAxes} s=${s} />
      <polygon class="lc-band" points=${band} />
      <polyline class="lc-line" points=${line} />
      ${curve.map(
        (p) => html`<circle class="lc-point" cx=${s.x(p.examplesPerClass)} cy=${s.y(p.accuracy)} r="4" />`,
      )}
      ${fc && last && html`<${ForecastPoint} s=${s} last=${last} fc=${fc} />`}
    </svg>
    <figcaption>
      ${forecast && html`<strong data-testid="forecast">${forecast.message}</strong><br />`}
      <span class="muted small">
        Each point is a cross-validation on a share of every class; the band is its${' '}
        ${level(curve[0])} interval${fc ? '; the hollow point is the forecast' : ''}.
      </span>
    </figcaption>
    <${CurveValues} curve=${curve} />
  </figure>`;
}
