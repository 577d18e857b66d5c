/**
 * `npm run bench`: runs every benchmark in one process and writes BENCHMARKS.md. Each number is
 * reported as a ratio against a baseline measured in the same run, on the same machine, so the
 * ratios stay meaningful where absolute speeds differ.
 *
 *   npm run bench                       # everything (several minutes on 2 cores)
 *   BENCH_ONLY=predict npm run bench    # some sections: wasm | transfer | backbone | predict | advisor
 *   npm run bench:advisor               # the advisor's section only
 *
 * With BENCH_ONLY the sections it names replace their namesakes in BENCHMARKS.md and every other
 * section is kept as it was.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { initWasmBackend } from '../src/ml/wasm-kernels/index.js';
import { benchAdvisor } from './advisor.js';
import { benchPredict } from './predict.js';
import { benchRealBackbone } from './real-backbone.js';
import { machineLine, mergeSections, sectionToMarkdown, type BenchSection } from './report.js';
import { benchTransferMnist } from './transfer-mnist.js';
import { benchWasmTraining } from './wasm-training.js';

const only = new Set(
  (process.env['BENCH_ONLY'] ?? 'wasm,transfer,backbone,predict,advisor').split(',').map((s) => s.trim()),
);
const log = (line: string): void => console.log(`  ${line}`);
const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const x = (r: number): string => `${r.toFixed(2)}x`;

async function wasmSection(): Promise<BenchSection> {
  const r = await benchWasmTraining({ log });
  return {
    title: 'Training on WebAssembly with the project’s convolution-gradient kernels',
    description:
      'Training samples/s of the same models on the wasm backend (with the kernels in `src/ml/wasm-kernels/`) and on the pure-JS `cpu` backend, in the same process. Baseline: `cpu`. Target: at least 30x on the MNIST-sized CNN.',
    columns: ['case', 'cpu samples/s', 'wasm samples/s', 'wasm / cpu'],
    rows: r.rows.map((row) => [row.case, row.cpuSamplesPerSec, row.wasmSamplesPerSec, x(row.ratio)]),
  };
}

async function transferSections(): Promise<BenchSection[]> {
  await initWasmBackend();
  const b = await benchTransferMnist({ log });
  const scratch = new Map(b.rows.filter((r) => r.method === 'scratch').map((r) => [r.examplesPerClass, r]));
  return [
    {
      title: 'Transfer vs from scratch on real digits (MNIST 0-4 → 5-9)',
      description: `A source CNN trained on ${b.source.examples} digits 0-4 (held-out accuracy ${pct(b.source.accuracy)}) is cut after its convolutions, frozen, and given a new dense head for digits 5-9; the baseline is the same architecture trained from scratch on the same examples, same epochs, optimizer and learning rate. Accuracy on 500 held-out digits, mean over draws of the training examples (backend: ${b.backend}). Honest numbers, whichever way they fall.`,
      columns: [
        'examples/class',
        'transfer accuracy',
        'from-scratch accuracy',
        'transfer time',
        'from-scratch time',
        'time ratio',
      ],
      rows: b.rows
        .filter((r) => r.method === 'transfer')
        .map((t) => {
          const s = scratch.get(t.examplesPerClass)!;
          return [
            String(t.examplesPerClass),
            pct(t.heldOutAccuracy),
            pct(s.heldOutAccuracy),
            `${Math.round(t.trainMs)} ms`,
            `${Math.round(s.trainMs)} ms`,
            x(t.trainMs / s.trainMs),
          ];
        }),
    },
    {
      title: 'Frozen-prefix feature caching',
      description:
        'The same transfer job trained with the frozen prefix’s outputs computed once per example (cached) and recomputed every epoch (uncached). Baseline: uncached. Training examples/s over the epochs; the whole-job times include the one-off caching pass.',
      columns: ['job', 'uncached ex/s', 'cached ex/s', 'speed-up', 'uncached job', 'cached job'],
      rows: [
        [
          b.cache.job,
          b.cache.uncachedExamplesPerSec,
          b.cache.cachedExamplesPerSec,
          x(b.cache.ratio),
          `${Math.round(b.cache.uncachedTotalMs)} ms`,
          `${Math.round(b.cache.cachedTotalMs)} ms`,
        ],
      ],
    },
  ];
}

async function backboneSections(): Promise<BenchSection[]> {
  const r = await benchRealBackbone({ log });
  const get = (c: Parameters<typeof r.get>[0]) => r.get(c)!;
  const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;
  const train = (c: Parameters<typeof r.get>[0]) => get(c).phases['train'] ?? NaN;
  const [tape, inference, flagship] = [get('augment-tape'), get('augment-inference'), get('flagship')];
  return [
    {
      title: 'MobileNetV2 224 frozen + head: cached vs uncached epochs',
      description:
        'The offline `nsfwjs-mobilenet-v2` base cut at `flatten_1`, frozen, with a dense 128 + dropout head, batch 32, 64 synthetic 224x224 images, 3 epochs, default (wasm) backend. Cached: the frozen prefix runs once per example before the first epoch; uncached (`cacheBudgetBytes: 0`): it runs every epoch, as inference off the gradient tape. Baseline: uncached. Training examples/s per epoch (the caching pass excluded, shown in the job time). Target: at least 20x.',
      columns: ['case', 'uncached ex/s', 'cached ex/s', 'cached / uncached', 'uncached job', 'cached job'],
      rows: [
        [
          'MobileNetV2 224, frozen, head only',
          train('uncached'),
          train('cached'),
          x(train('cached') / train('uncached')),
          `${(get('uncached').totalMs / 1000).toFixed(1)} s`,
          `${(get('cached').totalMs / 1000).toFixed(1)} s`,
        ],
      ],
    },
    {
      title: 'Peak memory of an augmented MobileNetV2 job: frozen layers on and off the gradient tape',
      description:
        'The same base and head with augmentation (flip, rotate 10°), batch 32, one epoch of 32 images, in a process of its own. Before: the whole model, frozen layers included, differentiated inside the optimizer step (the path before frozen layers left the tape, `frozenPrefix: "tape"`, with no memory plan). After: the frozen prefix as inference, only the head differentiated (the default). Baseline: before. Peak RSS of the process.',
      columns: ['path', 'outcome', 'peak RSS', 'train ex/s', 'after / before RSS'],
      rows: [
        [
          'before: frozen layers on the tape',
          tape.ok ? 'completed' : `failed: ${tape.error}`,
          gib(tape.maxRssBytes),
          tape.phases['train'] ?? '-',
          '1.00x',
        ],
        [
          'after: frozen prefix as inference',
          inference.ok ? 'completed' : `failed: ${inference.error}`,
          gib(inference.maxRssBytes),
          inference.phases['train'] ?? '-',
          x(inference.maxRssBytes / tape.maxRssBytes),
        ],
      ],
      notes: [
        'A run that fails with `Aborted()` reached the wasm heap limit (4 GiB): its peak is where it died, not what it would have needed.',
      ],
    },
    {
      title: 'The flagship job end to end: augment, batch 32, fine-tune of the top block',
      description:
        'The README walkthrough job on the offline MobileNetV2: cut at `flatten_1`, frozen, dense 128 + dropout head, augmentation, batch 32, 2 epochs, then a fine-tune from `block_16_expand` (the last inverted-residual block, BatchNormalization kept frozen) for 2 epochs at 1e-5; 64 training and 16 validation images, default (wasm) backend, in a process of its own. Examples/s per phase; baseline for the ratio: the first phase.',
      columns: ['phase', 'examples/s', '× train phase'],
      rows: [
        ['train (head; prefix as inference, augmented)', flagship.phases['train'] ?? NaN, '1.00x'],
        [
          'fineTune (block_16 + head)',
          flagship.phases['fineTune'] ?? NaN,
          x((flagship.phases['fineTune'] ?? NaN) / (flagship.phases['train'] ?? NaN)),
        ],
        [
          'evaluating (validation)',
          flagship.evaluatingPerSec ?? NaN,
          x((flagship.evaluatingPerSec ?? NaN) / (flagship.phases['train'] ?? NaN)),
        ],
      ],
      notes: [
        `Whole job ${(flagship.totalMs / 1000).toFixed(1)} s including loading the base, ${flagship.ok ? 'completed' : `failed: ${flagship.error}`}; micro-batch sizes per phase: ${flagship.microBatches.join(', ')}; peak RSS ${gib(flagship.maxRssBytes)}.`,
      ],
    },
  ];
}

async function predictSection(): Promise<BenchSection> {
  const r = await benchPredict({ log });
  return {
    title: 'Prediction serving',
    description: `32 concurrent HTTP clients (autocannon) against \`POST /v1/models/:id/predict\`, one image per request. Baseline: raw in-process batched \`model.predict\` on the same model and backend (${r.backend}, ${r.cores} cores), same run. Target: batched server at least 0.8x raw.`,
    columns: ['model', 'case', 'examples/s', 'p50 ms', 'p99 ms', '× raw', 'detail'],
    rows: r.rows.map((row) => [
      row.model,
      row.case,
      row.throughput,
      row.p50Ms,
      row.p99Ms,
      x(row.ratioToRaw),
      row.note,
    ]),
    notes: [
      'p50/p99 of the raw rows are per batch of 32; of the server rows, per HTTP request.',
      'The load generator runs in its own process on the same cores; with 2 cores, server, inference worker and load generator share them, so a model whose forward pass is cheaper than HTTP handling (the light CNN) cannot approach raw speed here.',
    ],
  };
}

async function advisorSection(): Promise<BenchSection> {
  const r = await benchAdvisor({ log });
  return {
    title: 'Backbone advisor: its ranking against training every candidate',
    description: `Real data: ${r.trainExamples} MNIST digits 0-4 (greyscale 28x28, read as RGB at each base's input size) for the advisor and for training, ${r.heldOutExamples} other digits held out. The advisor ranks the (base, cut) candidates of both offline bases (\`nsfwjs-mobilenet-v2\`, \`nsfwjs-inception-v3\`; default cuts) with ${r.folds}-fold softmax probes on frozen features; then each candidate's ready job spec (frozen base, pooled features, batch normalisation, softmax output; Adam, up to 40 epochs with plateau and early-stopping callbacks) is trained by the trainer on the same digits and scored on the held-out ones (backend: ${r.backend}). Baseline for time: training every candidate.`,
    columns: [
      'base @ cut',
      'advisor accuracy',
      'advisor rank',
      'held-out accuracy',
      'held-out rank',
      'ms/example',
      'training time',
    ],
    rows: r.rows.map((row) => [
      `${row.base} @ ${row.cutAt}`,
      `${pct(row.advisorAccuracy)} ± ${pct(row.advisorStd)}`,
      String(row.advisorRank),
      pct(row.heldOutAccuracy),
      String(row.heldOutRank),
      row.msPerExample,
      `${(row.trainMs / 1000).toFixed(1)} s`,
    ]),
    notes: [
      'Where the spread (the fold standard deviation) is wider than the differences between candidates, as with 16 examples per class here, the ranking is one near-tie ordered by cost: the rank correlations then mostly measure noise between two small samples, and the regret is the price of taking the cheaper candidate the probe could not tell apart. The per-candidate check that matters is whether held-out accuracy falls within estimate ± spread.',
      `Held-out accuracy within the advisor's estimate ± its spread: ${r.withinSpread} of ${r.rows.length} candidates.`,
      `Spearman rank correlation with held-out accuracy: ${r.spearmanAccuracy.toFixed(2)} for the accuracy estimates, ${r.spearman.toFixed(2)} for the advisor's order (near-ties, within the spread, ordered by cost).`,
      `Top pick ${r.pick}; best on held-out data ${r.best}; regret of the pick: ${(r.regret * 100).toFixed(1)} points of accuracy (of the highest estimate, ignoring cost: ${(r.regretAccuracyOnly * 100).toFixed(1)}).`,
      `Advisor ${(r.advisorMs / 1000).toFixed(1)} s against ${(r.trainAllMs / 1000).toFixed(1)} s to train every candidate: ${x(r.advisorMs / r.trainAllMs)}.`,
      `Recommendation: ${r.recommendation.reason}${r.recommendation.fineTune ? ' (fine-tune suggested)' : ''}`,
    ],
  };
}

const sections: BenchSection[] = [];
if (only.has('wasm')) {
  console.log('wasm vs cpu training ...');
  sections.push(await wasmSection());
}
if (only.has('transfer')) {
  console.log('transfer vs from scratch, feature caching ...');
  sections.push(...(await transferSections()));
}
if (only.has('backbone')) {
  console.log('real backbone (MobileNetV2 224) ...');
  sections.push(...(await backboneSections()));
}
if (only.has('predict')) {
  console.log('prediction serving ...');
  sections.push(await predictSection());
}

if (only.has('advisor')) {
  console.log('backbone advisor vs training every candidate ...');
  sections.push(await advisorSection());
}

const partial = process.env['BENCH_ONLY'] !== undefined && existsSync('BENCHMARKS.md');
const doc = partial
  ? mergeSections(
      readFileSync('BENCHMARKS.md', 'utf8'),
      sections.map((s) => ({ title: s.title, markdown: sectionToMarkdown(s) })),
    )
  : [
      '# Benchmarks',
      '',
      `Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${machineLine(tf.getBackend())}.`,
      'Every ratio compares against a baseline measured in the same run; absolute numbers depend on the machine and on whatever else it was doing.',
      '',
      ...sections.map((s) => sectionToMarkdown(s) + '\n'),
    ].join('\n');
writeFileSync('BENCHMARKS.md', doc);
console.log(doc);
