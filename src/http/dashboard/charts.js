// Training curves with uPlot (canvas, no dependencies), each with a data table.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { Table, fmt, html } from './ui.js';
/** @import { HistoryEntry } from './types.js' */

const COLORS = { train: '#1d4ed8', validation: '#c2410c' };

/**
 * One uPlot line chart; `data` is uPlot's column layout `[x[], ...series[]]`.
 * @param {{
 *   title: string, data: uPlot.AlignedData, series: { label: string, color: string }[],
 *   yLabel: string, testid: string,
 * }} props
 */
function LineChart({ title, data, series, yLabel, testid }) {
  const box = useRef(/** @type {HTMLDivElement | null} */ (null));
  const plot = useRef(/** @type {uPlot | undefined} */ (undefined));

  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    /** @type {uPlot.Options} */
    const opts = {
      width: Math.max(280, el.clientWidth),
      height: 220,
      scales: { x: { time: false } },
      axes: [
        { label: 'epoch', stroke: '#334155', grid: { stroke: '#e2e8f0' } },
        { label: yLabel, stroke: '#334155', grid: { stroke: '#e2e8f0' } },
      ],
      series: [
        { label: 'epoch' },
        ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, points: { size: 6 } })),
      ],
      legend: { show: true, live: false },
    };
    plot.current = new uPlot(opts, data, el);
    const resize = new ResizeObserver(() => {
      plot.current?.setSize({ width: Math.max(280, el.clientWidth), height: 220 });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.current?.destroy();
      plot.current = undefined;
    };
  }, []);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return html`<figure class="chart" data-testid=${testid} data-points=${data[0].length}>
    <figcaption>${title}</figcaption>
    <div ref=${box} role="img" aria-label=${`${title}: ${data[0].length} epochs`}></div>
  </figure>`;
}

/**
 * Loss and accuracy per epoch from a job's or model's `history` (`phase` train, then fineTune:
 * the x axis counts epochs across both phases).
 * @param {{ history: HistoryEntry[] | undefined, testid?: string }} props
 */
export function Curves({ history, testid = 'curves' }) {
  const rows = history ?? [];
  const x = rows.map((_, i) => i + 1);
  /** @param {string} k */
  const col = (k) =>
    rows.map((r) => {
      const v = r[k];
      return typeof v === 'number' ? v : null;
    });
  const hasAcc = rows.some((r) => typeof r.acc === 'number');
  const hasMae = rows.some((r) => typeof r.mae === 'number');
  /** @type {[train: string, validation: string, name: string] | undefined} */
  const metric = hasAcc ? ['acc', 'valAcc', 'accuracy'] : hasMae ? ['mae', 'valMae', 'MAE'] : undefined;
  return html`<div class="curves" data-testid=${testid}>
    <div class="chart-pair">
      <${LineChart}
        title="Loss"
        yLabel="loss"
        testid=${`${testid}-loss`}
        data=${[x, col('loss'), col('valLoss')]}
        series=${[
          { label: 'train loss', color: COLORS.train },
          { label: 'validation loss', color: COLORS.validation },
        ]}
      />
      ${
        metric &&
        html`<${LineChart}
          title=${metric[2] === 'MAE' ? 'Mean absolute error' : 'Accuracy'}
          yLabel=${metric[2]}
          testid=${`${testid}-metric`}
          data=${[x, col(metric[0]), col(metric[1])]}
          series=${[
            { label: `train ${metric[2]}`, color: COLORS.train },
            { label: `validation ${metric[2]}`, color: COLORS.validation },
          ]}
        />`
      }
    </div>
    <details>
      <summary>Per-epoch values (${rows.length})</summary>
      <${EpochTable} rows=${rows} metric=${metric} />
    </details>
  </div>`;
}

/**
 * The per-epoch values under the curves: loss, the metric when there is one, learning rate.
 * @param {{ rows: HistoryEntry[], metric: [train: string, validation: string, name: string] | undefined }} props
 */
function EpochTable({ rows, metric }) {
  const head = [
    '#',
    'phase',
    'epoch',
    'loss',
    'val loss',
    ...(metric ? [metric[2], `val ${metric[2]}`] : []),
    'learning rate',
  ];
  return html`<${Table}
    head=${head}
    rows=${rows}
    row=${(/** @type {HistoryEntry} */ r, /** @type {number} */ i) =>
      html`<td>${i + 1}</td>
        <td>${r.phase}</td>
        <td>${r.epoch}</td>
        <td>${fmt.num(r.loss, 4)}</td>
        <td>${fmt.num(r.valLoss, 4)}</td>
        ${
          metric &&
          html`<td>${fmt.num(r[metric[0]], 4)}</td>
            <td>${fmt.num(r[metric[1]], 4)}</td>`
        }
        <td>${typeof r.lr === 'number' ? r.lr.toExponential(1) : '–'}</td>`}
  />`;
}
