// How far to trust a classifier's scores: its reliability diagram and calibration errors.
import { fmt, html } from '../ui.js';
/** @import { Calibration, Interval, ReliabilityBin } from '../types.js' */

/** @param {Interval | undefined} iv */
const range = (iv) => (iv ? `${fmt.num(iv.low)} to ${fmt.num(iv.high)}` : '');

const W = 320;
const H = 240;
const PAD = { left: 52, right: 10, top: 10, bottom: 34 };

/**
 * Reliability diagram of the out-of-fold predictions: per bin of the top score, how often the
 * model was right (bars: calibrated scores, dots: raw softmax) against the diagonal a perfectly
 * calibrated model would follow, with the expected calibration error of each.
 * @param {{ calibration: Calibration | undefined }} props
 */
export function ReliabilityDiagram({ calibration: c }) {
  if (!c) return null;
  /** @param {number} v */
  const x = (v) => PAD.left + v * (W - PAD.left - PAD.right);
  /** @param {number} v */
  const y = (v) => H - PAD.bottom - v * (H - PAD.top - PAD.bottom);
  const used = c.bins.filter((b) => b.count > 0);
  const raw = c.binsUncalibrated.filter((b) => b.count > 0);
  const ticks = [0, 0.5, 1];
  return html`<figure class="reliability" data-testid="reliability">
    <svg
      viewBox=${`0 0 ${W} ${H}`}
      role="img"
      aria-label=${`Reliability diagram: expected calibration error ${fmt.num(c.ece)} calibrated, ${fmt.num(c.eceUncalibrated)} raw`}
    >
      ${ticks.map(
        (t) =>
          html`<line class="grid" x1=${x(0)} x2=${x(1)} y1=${y(t)} y2=${y(t)} />
            <text class="tick" x=${PAD.left - 6} y=${y(t) + 4} text-anchor="end">${fmt.pct(t)}</text>
            <text class="tick" x=${x(t)} y=${H - PAD.bottom + 14} text-anchor="middle">${fmt.pct(t)}</text>`,
      )}
      <line class="rel-diagonal" x1=${x(0)} y1=${y(0)} x2=${x(1)} y2=${y(1)} />
      ${used.map(
        (b) =>
          html`<rect
            class="rel-bar"
            x=${x(b.low) + 1}
            width=${Math.max(1, x(b.high) - x(b.low) - 2)}
            y=${y(b.accuracy)}
            height=${y(0) - y(b.accuracy)}
          >
            <title>
              ${`${fmt.pct(b.low)}–${fmt.pct(b.high)}: right ${fmt.pct(b.accuracy)} of ${b.count} at ${fmt.pct(b.confidence)} mean score`}
            </title>
          </rect>`,
      )}
      ${raw.map((b) => html`<circle class="rel-raw" cx=${x(b.confidence)} cy=${y(b.accuracy)} r="3" />`)}
      <text class="axis-label" x=${x(0.5)} y=${H - 4} text-anchor="middle">top score</text>
    </svg>
    <figcaption class="small">
      ${`How far to trust the score: bars show how often the model was right at each calibrated score (dots: before calibration; the diagonal is perfect). Expected calibration error ${fmt.num(c.ece)} (95 % interval ${range(c.eceInterval)}) calibrated, ${fmt.num(c.eceUncalibrated)} (${range(c.eceUncalibratedInterval)}) raw, over ${c.examples} out-of-fold predictions; temperature ${fmt.num(c.temperature, 2)}.${c.eceFloor === undefined ? '' : ` A perfectly calibrated model would show about ${fmt.num(c.eceFloor)} on these ${c.examples} predictions: an error near that is as small as they can tell.`}`}
    </figcaption>
  </figure>`;
}
