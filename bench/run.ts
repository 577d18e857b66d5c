/**
 * `npm run bench`: runs every benchmark in one process and writes BENCHMARKS.md. Each number is
 * reported as a ratio against a baseline measured in the same run, on the same machine, so the
 * ratios stay meaningful where absolute speeds differ.
 *
 *   npm run bench                        # everything (several minutes on 2 cores)
 *   npm run bench -- --only pytorch      # some cases: wasm | transfer | backbone | predict | storage | text | pytorch | threads | advisor | ingest | unknown | unknown-emoji | evaluation | oip | client | batch | audit | light-predict | capture | active-learning
 *   BENCH_ONLY=predict npm run bench     # the same, from the environment
 *   npm run bench:text                   # the text sections only
 *   npm run bench:advisor                # the advisor's section only
 *   npm run bench:evaluation             # evaluation: real-data coverage, cost of CV, simulations
 *   BENCH_ONLY=batch npm run bench       # batch predictions: 10,000 images end to end, peak RSS
 *   npm run bench:audit                  # dataset audits: precision and recall on injected faults
 *
 * With --only (or BENCH_ONLY), only the sections those cases write are replaced in BENCHMARKS.md;
 * the others stay as they were.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { initWasmBackend } from '../src/ml/wasm-kernels/index.js';
import { advisorSection } from './advisor-report.js';
import { benchPredict } from './predict.js';
import { benchOip } from './oip.js';
import { benchClient } from './client.js';
import { benchRealBackbone } from './real-backbone.js';
import { benchStorage } from './storage.js';
import { cell, machineLine, mergeSections, sectionToMarkdown, type BenchSection } from './report.js';
import { benchTransferMnist } from './transfer-mnist.js';
import { benchVsPytorch, type Measured, type StepProfile } from './vs-pytorch.js';
import { benchWasmTraining } from './wasm-training.js';
import { benchText, textSections } from './text.js';
import { benchIngestLatency } from './ingest-latency.js';
import { benchUnknown, unknownSections } from './unknown.js';
import { benchUnknownEmoji, unknownEmojiSection } from './unknown-emoji.js';
import { evaluationSections } from './evaluation.js';
import { batchSection } from './batch-section.js';
import { auditSections } from './audit.js';
import { lightPredictSection } from './light-predict.js';
import { captureSection } from './capture.js';
import { activeLearningSection } from './active-learning.js';
import { threadsSections } from './threads.js';

const ALL = [
  'wasm',
  'transfer',
  'backbone',
  'predict',
  'storage',
  'text',
  'pytorch',
  'threads',
  'advisor',
  'ingest',
  'unknown',
  'unknown-emoji',
  'evaluation',
  'oip',
  'client',
  'batch',
  'audit',
  'light-predict',
  'capture',
  'active-learning',
];
const onlyArg = process.argv.indexOf('--only');
const selected = onlyArg >= 0 ? process.argv[onlyArg + 1] : process.env['BENCH_ONLY'];
const only = new Set((selected ?? ALL.join(',')).split(',').map((s) => s.trim()));
for (const name of only) {
  if (!ALL.includes(name)) throw new Error(`unknown bench case '${name}' (one of ${ALL.join(', ')})`);
}
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
        'The recipe of the README walkthrough on the offline MobileNetV2 (at batch 32; the walkthrough uses 8): cut at `flatten_1`, frozen, dense 128 + dropout head, augmentation, batch 32, 2 epochs, then a fine-tune from `block_16_expand` (the last inverted-residual block, BatchNormalization kept frozen) for 2 epochs at 1e-5; 64 training and 16 validation images, default (wasm) backend, in a process of its own. Examples/s per phase; baseline for the ratio: the first phase.',
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

async function clientSection(): Promise<BenchSection> {
  const r = await benchClient({ log });
  return {
    title: 'Typed client and CLI over plain fetch',
    description: `${r.images} PNG images (32x32) predicted by one model (the light CNN of "Prediction serving") on one server and backend (${r.backend}, ${r.cores} cores), 32 files per multipart request, one request at a time: with \`fetch\` and a FormData (the baseline), with the typed client's \`models.predictFiles\`, and with \`tlearn predict\` on the folder as a process of its own, in ${r.rounds} alternating rounds. The CLI's start alone (\`tlearn --help\`, median of 5) is ${Math.round(r.cliStartMs)} ms.`,
    columns: ['way', 'images', 'images/s', '× fetch', 'lowest–highest round'],
    rows: r.rows.map((row) => [
      row.way,
      row.examples,
      row.imagesPerSec,
      x(row.ratio),
      `${x(row.ratioLow)}–${x(row.ratioHigh)}`,
    ]),
    notes: [
      'A ratio rests on every image of its rounds (the images column); the lowest and highest per-round ratio show how much the shared machine moved it. The CLI pays its start (Node.js, tsx compiling the sources) once per command, so its ratio rises with the number of images a command predicts.',
    ],
  };
}

async function oipSection(): Promise<BenchSection> {
  const r = await benchOip({ log });
  return {
    title: 'Open Inference Protocol over /v1',
    description: `32 concurrent HTTP clients (autocannon) against \`POST /v2/models/:name/infer\` (one base64 PNG as a BYTES tensor per request) and, as the baseline, \`POST /v1/models/:id/predict\` (the same image as \`{ "b64" }\`), on one server, one model (the light CNN of "Prediction serving", 32x32) and one backend (${r.backend}, ${r.cores} cores): ${r.rounds} alternating rounds of ${r.durationSec} s each. Both end in the same prediction service; the difference is the protocol mapping. Target: v2 at least 0.9x v1.`,
    columns: [
      'route',
      'requests',
      'requests/s',
      'p50 ms',
      'p99 ms',
      '× v1',
      'lowest–highest round',
      'failed',
    ],
    rows: r.rows.map((row) => [
      row.route,
      row.examples,
      row.throughput,
      row.p50Ms,
      row.p99Ms,
      x(row.ratio),
      `${x(row.ratioLow)}–${x(row.ratioHigh)}`,
      String(row.failed),
    ]),
    notes: [
      'A ratio rests on every request of its rounds (the requests column); the lowest and highest per-round ratio show how much the shared machine moved it.',
    ],
  };
}

async function storageSection(): Promise<BenchSection> {
  const r = await benchStorage({ log });
  const file = r.rows.find((row) => row.store === 'file')!;
  const s3 = r.rows.find((row) => row.store === 's3')!;
  return {
    title: 'Object storage: file:// against s3:// (local server)',
    description: `The same training job (${r.job}) and the same model's predict cold start, once with the store on the local disk (file://) and once on an S3-protocol server on 127.0.0.1 (s3rver, as in the tests), in the same run: an in-process API and a real worker, the trainer in its own process. Job: from POST /v1/jobs to \`completed\` (on s3:// the worker downloads the dataset into its cache, then uploads and commits the model), mean of ${r.trials} after a warm-up job. Cold start: a fresh API instance's first predict (on s3:// with an empty DATA_DIR, so the model is downloaded first; the inference pool's start is in both), mean of ${r.trials}; warm: ${r.trials} instances × 20 requests each way. Baseline: file://.`,
    columns: ['measure', 'file://', 's3://', 's3 / file'],
    rows: [
      [
        'training job',
        `${Math.round(file.trainMs)} ms`,
        `${Math.round(s3.trainMs)} ms`,
        x(s3.trainMs / file.trainMs),
      ],
      [
        'predict cold start',
        `${Math.round(file.coldPredictMs)} ms`,
        `${Math.round(s3.coldPredictMs)} ms`,
        x(s3.coldPredictMs / file.coldPredictMs),
      ],
      [
        'predict, warm, by id',
        `${file.warmPredictMs.toFixed(1)} ms`,
        `${s3.warmPredictMs.toFixed(1)} ms`,
        x(s3.warmPredictMs / file.warmPredictMs),
      ],
      [
        'predict, warm, by name (newest version)',
        `${file.warmByNameMs.toFixed(1)} ms`,
        `${s3.warmByNameMs.toFixed(1)} ms`,
        x(s3.warmByNameMs / file.warmByNameMs),
      ],
      ['requests to the bucket per warm predict', '–', s3.storeRequestsPerWarmPredict.toFixed(2), '–'],
    ],
    notes: [
      'What s3:// adds is requests, not bytes (the dataset and model are small): a job makes about twenty (commit and manifest reads, the dataset download, the model upload, the conditional commit with its Redis claim), a cold start about six before loading (commit, meta, existence, the model files). s3rver answers each in milliseconds to tens of ms on this 2-core machine shared with other work; against AWS S3 each is a round trip within the region, the downloads paid once per entry and machine thanks to the local cache.',
      "Warm predicts: mean of 20 by id, then 20 by name, on the fresh instance after its first. On s3:// a lookup reads the models collection's change counter in Redis (bumped by every commit and delete, so a model deleted through any API stops answering at once) instead of sending a HEAD of the model's commit to the bucket, as it did before; on file:// it is one stat of the models folder.",
    ],
  };
}

const range = (m: Measured): string => `${cell(m.median)} (${cell(m.min)}–${cell(m.max)})`;

function pytorchSlowerWithTwo(rows: Array<{ threads: number; pytorch: Measured | null }>): boolean {
  const median = (t: number) =>
    rows.filter((r) => r.threads === t && r.pytorch).map((r) => r.pytorch!.median);
  return median(2).some((m, i) => m < (median(1)[i] ?? 0));
}

/** What the second thread gains on each side, per plain case (no prefix-thread variant). */
function secondThreadGains(
  rows: Array<{ case: string; threads: number; project: Measured; pytorch: Measured | null }>,
): string[] {
  const plain = rows.filter((r) => !r.case.includes('prefix thread'));
  return [...new Set(plain.map((r) => r.case))].flatMap((c) => {
    const one = plain.find((r) => r.case === c && r.threads === 1);
    const two = plain.find((r) => r.case === c && r.threads === 2);
    if (!one?.pytorch || !two?.pytorch) return [];
    const gain = (a: Measured, b: Measured) => `${(b.median / a.median).toFixed(2)}x`;
    return [
      `${c.split(',')[0]} ${c.match(/\d+x\d+x\d/)?.[0] ?? ''}: this project ${gain(one.project, two.project)}, PyTorch ${gain(one.pytorch, two.pytorch)}`,
    ];
  });
}

async function pytorchSections(): Promise<BenchSection[]> {
  const r = await benchVsPytorch({ log });
  const loadBefore = os.loadavg()[0] as number;
  const targets = (row: { case: string; threads: number }): string =>
    row.case.startsWith('inference')
      ? row.threads === 2
        ? '≥ 1.3x'
        : '≥ 0.7x'
      : row.case.includes('prefix thread')
        ? ''
        : row.threads === 2
          ? '≥ 0.6x'
          : '≥ 0.41x (no worse than before)';
  const comparison: BenchSection = {
    title: 'Side by side with PyTorch CPU: MobileNetV2 fine-tuning and inference',
    description:
      `The same shapes in this project (wasm backend with the kernels in \`src/ml/wasm-kernels/\`) and in PyTorch ${r.torchVersion ?? '(not run)'} on the CPU (torchvision's \`mobilenet_v2\`, \`bench/pytorch/mobilenet_v2.py\`), random inputs. Fine-tune: MobileNetV2 alpha 1 at 96x96x3 (and 224x224x3), the last 2 inverted-residual blocks + the 1280-channel conv + a 5-class dense head trained with Adam, every BatchNormalization frozen in inference mode, the bottom run as inference off the gradient tape, batch 16; this project through the trainer's own phase loop (\`runPhase\`), PyTorch under \`torch.no_grad()\` for the bottom. Inference: the whole network at 224x224x3, batch 32. ` +
      "Samples/s, median of 3 runs with the range; the two sides alternate run by run, so a change in the load hits both, and each run times the same number of batches on both sides after one warm-up step (24 at 96x96x3, 6 at 224x224x3, 4 for inference). Baseline: PyTorch at the same thread count, same run (`torch.set_num_threads`), with glibc's malloc told to keep freed memory (`PYTORCH_MALLOC_ENV` in `bench/vs-pytorch.ts`), as this project's wasm heap does. " +
      `Machine: ${machineLine('wasm')}.`,
    columns: [
      'case',
      'threads',
      'this project samples/s',
      'PyTorch samples/s',
      'project / PyTorch',
      'target',
    ],
    rows: r.rows.map((row) => [
      row.case,
      String(row.threads),
      range(row.project),
      row.pytorch ? range(row.pytorch) : 'not run',
      row.pytorch ? `${(row.project.median / row.pytorch.median).toFixed(2)}x` : '-',
      targets(row),
    ]),
    notes: [
      ...(r.pytorchMissing ? [`PyTorch side not run: ${r.pytorchMissing}.`] : []),
      "Threads in this project: each measurement runs in a process of its own with the wasm backend's XNNPACK pool on that many threads (`WASM_THREADS`; TF.js's threaded build runs under Node through the package patch in `patches/`, which starts its pthreads from files instead of blob URLs, tensorflow/tfjs#3830). The plain rows are what the trainer does by default: every core in XNNPACK's pool, the frozen bottom on the training thread. The `+ prefix thread` rows are the alternative it was measured against: one XNNPACK thread and the frozen bottom on a second wasm instance a batch ahead (`src/ml/prefix-thread.ts`, the trainer's 2-core plan before the threaded build).",
      ...(pytorchSlowerWithTwo(r.rows)
        ? [
            'PyTorch ran slower with 2 threads than with 1 in this run: its threads competed with other processes for the 2 cores (OpenMP threads that wait on each other lose most when one is descheduled), so the 2-thread ratios overstate this project; with the cores to itself PyTorch gains from the second one.',
          ]
        : []),
      `What the second thread gains (2 threads over 1, medians): ${secondThreadGains(r.rows).join('; ')}. Where this project gains about as much as PyTorch, its 2-thread ratio is its 1-thread ratio, and what is left is one thread's speed per kernel (the profile below).`,
      "Where one thread's time goes at 96x96x3 (measured apart on this machine, 2026-12-07, batch 16, 1 thread, 3 rounds in one process per side, the top being the step less the bottom): PyTorch's frozen bottom took 26-27 ms and its trained top 18-20 ms; this project's bottom 63-90 ms and its top 67-81 ms. The bottom, plain inference through XNNPACK's convolutions, is 2.4-3.4x slower, the differentiated top 3.4-4.4x: most of the gap is there without any gradient, in the width of the arithmetic, and the top adds a part of its own (convolutions over 3x3 maps, where fixed costs per operation weigh more: the kernel profile below). PyTorch's oneDNN runs AVX-512 kernels here (16 lanes, fused multiply-add; DNNL_VERBOSE lists jit_1x1:avx512_core and jit_dw:avx512_core), wasm SIMD is 128 bits (4 lanes, no fused multiply-add in the baseline instruction set) whatever the CPU. No kernel written in wasm closes that; a native backend can (`@tensorflow/tfjs-node(-gpu)`, libtensorflow, in the Docker image), not measured here, where its install cannot fetch libtensorflow.",
      "The baseline's allocator: until 2026-12-07 PyTorch ran with glibc's default malloc, which maps each large block afresh and returns it on free, so every activation above its threshold was new pages; this project's wasm heap keeps its pages. Where a first touch is costly that penalised PyTorch alone: on this machine, the same day, PyTorch without the setting ran the 96x96x3 fine-tune at 85 (1 thread) and 118 samples/s (2), 224x224x3 at 12.3 and 12.5, inference at 5.0 and 8.0, so this project read 0.86x, 0.77x, 1.54x, 2.41x, 6.2x and 6.5x of it. With the memory kept, PyTorch ran about 3x to 13x faster (the most for the largest activations), and the table above is the honest comparison. The earlier runs of this section (0.41x at 2 threads for the 96x96x3 fine-tune, 1.27x for inference) had the same handicap on another machine, to a degree not measured there.",
      "Timed batches: until 2026-12-07 this project was timed over 6 batches at 96x96x3 (2 at 224x224x3, 2 for inference) and PyTorch over 24 (2, 2). Over so few batches this project carries the one-off cost of its wasm heap growing to its working set in the first steps (a first touch of fresh pages costs about 40 ms per 14 MB under this machine's hypervisor): measured alone on this machine the same day, 72-75 samples/s at 1 thread and 88-89 at 2 over 6 batches against 77-98 and 104-112 over 24. Both sides now run the same batches.",
      `Load: the machine's 2 cores were shared with other work (1-minute load average ${loadBefore.toFixed(1)} at the end); PyTorch's 2-thread runs suffer most from that, as the ranges show.`,
    ],
  };
  const { before, after } = r.profile;
  const per = (p: StepProfile, ms: number) => ms / p.steps;
  const find = (p: StepProfile, k: string) => p.kernels.find((x) => x.kernel === k);
  const names = [...new Set([...before.kernels, ...after.kernels].map((k) => k.kernel))]
    .map((k) => ({ k, ms: Math.max(find(before, k)?.ms ?? 0, find(after, k)?.ms ?? 0) }))
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 16)
    .map((x) => x.k);
  const msCell = (p: StepProfile, k: string) => {
    const t = find(p, k);
    return t ? `${per(p, t.ms).toFixed(1)} ms (${t.calls / p.steps})` : '-';
  };
  const profile: BenchSection = {
    title: 'A fine-tuning step per kernel, before and after',
    description: `The fine-tune above (MobileNetV2 96, top 2 blocks + final conv + head, batch 16, one thread), ${after.steps} steps through the trainer's loop with every wasm kernel timed (bench/kernel-profile.ts wraps each registered kernel function; wasm kernels are synchronous, so entry to return is the kernel's time). \`A > B\` is kernel B called inside A (a composed gradient), already counted in A. Before: TF.js's own FusedBatchNorm kernel and gradient; after: this project's (\`src/ml/wasm-kernels/batch-norm.ts\`); same run, same process. Milliseconds per step, calls per step in brackets.`,
    columns: ['kernel', 'before', 'after', 'after / before'],
    rows: [
      [
        'whole step (samples/s)',
        `${per(before, before.totalMs).toFixed(0)} ms (${cell(before.samplesPerSec)}/s)`,
        `${per(after, after.totalMs).toFixed(0)} ms (${cell(after.samplesPerSec)}/s)`,
        x(after.totalMs / before.totalMs),
      ],
      [
        'in kernels',
        `${per(before, before.kernelMs).toFixed(0)} ms`,
        `${per(after, after.kernelMs).toFixed(0)} ms`,
        x(after.kernelMs / before.kernelMs),
      ],
      ...names.map((k) => [
        k,
        msCell(before, k),
        msCell(after, k),
        find(before, k) && find(after, k) ? x(find(after, k)!.ms / find(before, k)!.ms) : '-',
      ]),
    ],
    notes: [
      'FusedBatchNorm: the wasm kernel is a scalar loop with a square root and a division per element; as a 1x1 depthwise convolution with bias (scale and shift folded per channel) XNNPACK does it in one vectorised pass.',
      "Tile: TF.js differentiates FusedBatchNorm by tiling 1/sqrt(variance + eps) to the input's full shape, and the wasm Tile is a generic slow loop; broadcasting the per-channel factor gives the same dx bit for bit.",
      'Both columns are one thread. The bottom 15 blocks (all of the stem and the BatchNorms but 7) run as inference and need nothing from the step, which is what the 2-thread fine-tune row moves to a second core.',
      'What is left is mostly XNNPACK arithmetic: the forward convolutions (FusedConv2D, DepthwiseConv2dNative, shared with inference) and the Conv2D calls inside the convolution gradients; the transposes around them are a few percent. ReLU6 gradients (GreaterEqual, LessEqual, LogicalAnd, Select) come next.',
    ],
  };
  return [comparison, profile];
}

async function ingestSection(): Promise<BenchSection> {
  const rows = await benchIngestLatency(log);
  const ms = (v: number | undefined) => (v === undefined ? '-' : `${Math.round(v)} ms`);
  return {
    title: 'Other requests during an upload: /healthz latency per ingest path',
    description:
      `Machine: ${machineLine(tf.getBackend())}. ` +
      'The API in-process and listening on 127.0.0.1; while one upload is ingested, a client on a thread of its own asks `GET /healthz` every 10 ms over HTTP (the inputs and probe of test/datasets/ingest-latency.test.ts). Before: the work that now runs in a worker thread (text ingest with its index file; building and loading an uploaded base model to check it) run on the main thread, as the routes did before, same input, same run. After: the real upload through the route. Longest /healthz wait; one run each, on a machine shared with other work, so single spikes of tens of ms are load, not the upload. Aim: under 100 ms.',
    columns: ['ingest path', 'input', 'before: max /healthz', 'now: max /healthz', '/healthz calls (now)'],
    rows: rows.map((r) => [r.case, r.size, ms(r.beforeMs), ms(r.afterMs), String(r.calls)]),
    notes: [
      `1-minute load average at the end of the run: ${os.loadavg()[0]?.toFixed(1)} on ${os.cpus().length} cores (other work shared the machine; above the core count, waits of a few hundred ms are the scheduler's, not the upload's).`,
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
if (only.has('oip')) {
  console.log('open inference protocol vs /v1 predict ...');
  sections.push(await oipSection());
}
if (only.has('light-predict')) {
  console.log('light-model predict vs a bare Fastify route ...');
  sections.push(await lightPredictSection(log));
}
if (only.has('capture')) {
  console.log('prediction capture: predict with capture off and on ...');
  sections.push(await captureSection(log));
}
if (only.has('active-learning')) {
  console.log('active learning: the review queue against random choice, on MNIST ...');
  sections.push(await activeLearningSection(log));
}
if (only.has('client')) {
  console.log('typed client and CLI vs plain fetch ...');
  sections.push(await clientSection());
}
if (only.has('storage')) {
  console.log('object storage: file:// vs s3:// ...');
  sections.push(await storageSection());
}
if (only.has('text')) {
  console.log('text: transfer from USE lite vs from scratch, encoding and predict throughput ...');
  sections.push(...textSections(await benchText(log)));
}

if (only.has('advisor')) {
  console.log('backbone advisor vs training every candidate ...');
  sections.push(await advisorSection(log));
}
if (only.has('ingest')) {
  console.log('/healthz latency during uploads, per ingest path ...');
  sections.push(await ingestSection());
}
if (only.has('unknown')) {
  console.log('calibration and unknown answers, novelty cost ...');
  await initWasmBackend();
  sections.push(...unknownSections(await benchUnknown({ log })));
}
if (only.has('unknown-emoji')) {
  console.log('calibration and unknown answers on emoji images and names ...');
  await initWasmBackend();
  sections.push(unknownEmojiSection(await benchUnknownEmoji({ log })));
}
if (only.has('evaluation')) {
  console.log(
    'evaluation: reported accuracy against a held-out pool, cost of cross-validation, simulations ...',
  );
  await initWasmBackend();
  sections.push(...(await evaluationSections(log)));
}
if (only.has('batch')) {
  console.log('batch predictions ...');
  sections.push(await batchSection(log));
}
if (only.has('audit')) {
  console.log('dataset audits on injected faults, false alarms, time against a training job ...');
  await initWasmBackend();
  sections.push(...(await auditSections(log)));
}
if (only.has('threads')) {
  console.log('every core: text encoding, a training job’s memory ...');
  sections.push(...(await threadsSections(log)));
}
if (only.has('pytorch')) {
  console.log('side by side with PyTorch CPU ...');
  sections.push(...(await pytorchSections()));
}

const header = [
  '# Benchmarks',
  '',
  `Written by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}: ${machineLine(tf.getBackend())}.`,
  'Every ratio compares against a baseline measured in the same run; absolute numbers depend on the machine and on whatever else it was doing.',
  '',
].join('\n');
const fresh = sections.map((s) => ({ title: s.title, markdown: sectionToMarkdown(s) }));
// A partial run replaces only the sections it wrote; the others keep their last numbers.
const partial = only.size < ALL.length && existsSync('BENCHMARKS.md');
const doc = partial
  ? mergeSections(readFileSync('BENCHMARKS.md', 'utf8'), fresh)
  : header + fresh.map((s) => s.markdown + '\n').join('\n');
writeFileSync('BENCHMARKS.md', doc);
console.log(fresh.map((s) => s.markdown).join('\n\n'));
