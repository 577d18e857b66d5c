/**
 * Calibration and the "unknown" answer on real emoji, as a new user would try them: Google's
 * Noto emoji (the `emoji-datasource-google` package: 64-pixel PNGs and each emoji's name and
 * sub-category). Six sub-categories are the trained classes, six others the unseen ones.
 *
 * - Images: the README's MobileNetV2 job (nsfwjs MobileNetV2 cut at flatten_1, frozen, dense 128
 *   + dropout 0.5), each PNG preprocessed as the service does (alpha onto black, 224x224, [0, 1]).
 * - Text: the emoji's name ("woman firefighter", "sun behind rain cloud") through the Universal
 *   Sentence Encoder lite, with the README's text head (dense 64 + dropout 0.2).
 *
 * Each is cross-validated (5 folds) and refit on N names or images per class, with the score
 * rules fitted on its out-of-fold predictions (bench/unknown-draw.ts); the refit model then scores
 * every other emoji of the known classes and every emoji of the unseen ones.
 *
 *   npx tsx bench/unknown-emoji.ts [image|text]
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { writeNsfwjsMobileNetV2 } from '../src/base-models/nsfwjs-mobilenet-v2.js';
import { useLiteDir } from '../src/base-models/use-lite.js';
import { parseJobSpec, type JobSpecInput } from '../src/contracts/job-spec.js';
import { preprocessImage } from '../src/datasets/image/image-preprocess.js';
import { mulberry32, shuffle } from '../src/lib/seeded-split.js';
import { MemorySource } from '../src/ml/memory-source.js';
import { loadModelFromDir } from '../src/ml/model-io.js';
import { loadSentenceEncoder } from '../src/ml/sentence-encoder.js';
import { initWasmBackend } from '../src/ml/wasm-kernels/index.js';
import type { BenchSection } from './report.js';
import { calibrationDraw, drawLine, meanOfDraws, type DrawCase, type DrawResult } from './unknown-draw.js';

const require = createRequire(import.meta.url);
const PACKAGE = 'emoji-datasource-google';

/** Sub-categories with at least 30 emoji, alternately trained and unseen (flags left out). */
export const KNOWN = [
  'person-role',
  'transport-ground',
  'clothing',
  'alphanum',
  'food-prepared',
  'person-fantasy',
];
export const UNSEEN = [
  'animal-mammal',
  'person-activity',
  'sky & weather',
  'person-sport',
  'family',
  'geometric',
];
const SIZES = [8, 16];
const DRAWS = 3;
const FOLDS = 5;

interface Emoji {
  name: string;
  image: string;
  subcategory: string;
}

function emoji(): Emoji[] {
  const all = require(`${PACKAGE}/emoji.json`) as Array<Emoji & { has_img_google: boolean }>;
  return all.filter((e) => e.has_img_google && [...KNOWN, ...UNSEEN].includes(e.subcategory));
}

/** The training examples of a draw (N per known class) and the known ones left for testing. */
function split(items: Emoji[], perClass: number, seed: number): { train: Emoji[]; test: Emoji[] } {
  const rng = mulberry32(seed);
  const train: Emoji[] = [];
  const test: Emoji[] = [];
  for (const c of KNOWN) {
    const of = shuffle(
      items.filter((e) => e.subcategory === c),
      rng,
    );
    train.push(...of.slice(0, perClass));
    test.push(...of.slice(perClass));
  }
  return { train, test };
}

export type Modality = 'image' | 'text';

/** Encodes every emoji once (pixels or sentence embeddings), keyed by its image file name. */
async function encodeAll(
  items: Emoji[],
  modality: Modality,
  side: number,
): Promise<{ rows: Map<string, Float32Array>; shape: number[] }> {
  const rows = new Map<string, Float32Array>();
  if (modality === 'image') {
    const dir = path.join(path.dirname(require.resolve(`${PACKAGE}/package.json`)), 'img', 'google', '64');
    for (const e of items) {
      const png = await readFile(path.join(dir, e.image));
      rows.set(
        e.image,
        await preprocessImage(png, { size: [side, side], channels: 3, scale: [0, 1], resize: 'stretch' }),
      );
    }
    return { rows, shape: [side, side, 3] };
  }
  const encoder = await loadSentenceEncoder(useLiteDir());
  try {
    const emb = await encoder.encode(items.map((e) => e.name.toLowerCase()));
    const dim = emb.length / items.length;
    items.forEach((e, i) => rows.set(e.image, emb.subarray(i * dim, (i + 1) * dim)));
    return { rows, shape: [dim] };
  } finally {
    encoder.dispose();
  }
}

function source(
  items: Emoji[],
  classes: string[],
  encoded: Map<string, Float32Array>,
  shape: number[],
): MemorySource {
  const size = shape.reduce((a, b) => a * b, 1);
  const x = new Float32Array(items.length * size);
  items.forEach((e, i) => x.set(encoded.get(e.image) as Float32Array, i * size));
  return new MemorySource(
    x,
    items.map((e) => Math.max(0, classes.indexOf(e.subcategory))),
    shape,
  );
}

const SPECS: Record<Modality, Omit<JobSpecInput, 'datasetId'>> = {
  image: {
    base: { baseModelId: 'bm_0000000000000000' },
    cutAt: 'flatten_1',
    freeze: 'all',
    head: [
      { type: 'dense', units: 128, activation: 'relu' },
      { type: 'dropout', rate: 0.5 },
    ],
    fit: { epochs: 10, batchSize: 8 },
    callbacks: { reduceLROnPlateau: { patience: 2 }, earlyStopping: { patience: 4 } },
  },
  text: {
    head: [
      { type: 'dense', units: 64 },
      { type: 'dropout', rate: 0.2 },
    ],
    fit: { epochs: 20 },
    classWeight: 'balanced',
  },
};

/** Every emoji of the known and unseen sub-categories, encoded once for `modality`. */
export interface EncodedEmoji {
  modality: Modality;
  items: Emoji[];
  rows: Map<string, Float32Array>;
  shape: number[];
  unseen: MemorySource;
}

/** `side`: the image base's input side (224 for MobileNetV2, 299 for InceptionV3). */
export async function encodeEmoji(modality: Modality, side = 224): Promise<EncodedEmoji> {
  const items = emoji();
  const { rows, shape } = await encodeAll(items, modality, side);
  const unseen = source(
    items.filter((e) => UNSEEN.includes(e.subcategory)),
    UNSEEN,
    rows,
    shape,
  );
  return { modality, items, rows, shape, unseen };
}

/** Draw `d` at `perClass` examples per known class: the job's spec, its data and its test sets. */
export function emojiCase(
  e: EncodedEmoji,
  perClass: number,
  d: number,
  base: () => Promise<tf.LayersModel>,
): DrawCase {
  const { train, test } = split(e.items, perClass, 100 + d);
  return {
    spec: parseJobSpec({ datasetId: 'ds_0000000000000000', seed: d + 1, ...SPECS[e.modality] }),
    data: {
      kind: e.modality,
      task: 'classification',
      classes: KNOWN,
      inputShape: e.shape,
      train: source(train, KNOWN, e.rows, e.shape),
    },
    ...(e.modality === 'image' ? { base } : {}),
    known: source(test, KNOWN, e.rows, e.shape),
    unseen: e.unseen,
    folds: FOLDS,
    seed: d,
  };
}

export interface EmojiRow extends DrawResult {
  modality: Modality;
  examplesPerClass: number;
  draws: number;
  /** Per draw, for the spread. */
  aurocKnnDraws: number[];
  eceAfterDraws: number[];
}

export async function benchUnknownEmoji(o: {
  log: (line: string) => void;
  modalities?: Modality[];
}): Promise<EmojiRow[]> {
  const out: EmojiRow[] = [];
  const baseDir = await mkdtemp(path.join(os.tmpdir(), 'emoji-base-'));
  try {
    await writeNsfwjsMobileNetV2(baseDir);
    for (const modality of o.modalities ?? (['image', 'text'] as const)) {
      const encoded = await encodeEmoji(modality);
      o.log(`${modality}: ${encoded.items.length} emoji encoded`);
      for (const perClass of SIZES) {
        const draws: DrawResult[] = [];
        for (let d = 0; d < DRAWS; d++) {
          const r = await calibrationDraw(emojiCase(encoded, perClass, d, () => loadModelFromDir(baseDir)));
          r.model.dispose();
          o.log(drawLine(`${modality} ${perClass}/class draw ${d}`, r));
          draws.push(r);
        }
        out.push({
          modality,
          examplesPerClass: perClass,
          draws: DRAWS,
          ...meanOfDraws(draws),
          aurocKnnDraws: draws.map((r) => r.aurocKnn),
          eceAfterDraws: draws.map((r) => r.eceAfter),
        });
      }
    }
  } finally {
    await rm(baseDir, { recursive: true, force: true });
  }
  return out;
}

const f3 = (v: number) => v.toFixed(3);
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
/** A mean and its draws' range. */
const spread = (mean: number, draws: number[]) =>
  `${f3(mean)} (${f3(Math.min(...draws))} to ${f3(Math.max(...draws))})`;

export function unknownEmojiSection(rows: EmojiRow[]): BenchSection {
  return {
    title: 'Calibration and unknown answers on emoji (images and names, 6 known sub-categories, 6 unseen)',
    description:
      `Google's Noto emoji from the \`${PACKAGE}\` package. Known: ${KNOWN.join(', ')}; unseen: ${UNSEEN.join(', ')}. ` +
      'Images: the README’s MobileNetV2 job (cut at flatten_1, frozen, dense 128 + dropout 0.5) on the 64-pixel PNGs as the service preprocesses them; text: each emoji’s name through the Universal Sentence Encoder lite with the README’s text head (dense 64 + dropout 0.2). ' +
      `Each is cross-validated (${FOLDS} folds) and refit on N examples per class, the temperature and the novelty threshold (95% accept rate) fitted on the out-of-fold predictions as a job does; the refit model scores every other emoji of the known sub-categories and every emoji of the unseen ones. Means over ${DRAWS} draws, with the draws’ range where the targets are read (backend: ${tf.getBackend()}). ECE: 15 bins, on the known test emoji. ‘ECE of a calibrated model’: the mean ECE, over 200 simulations, when each calibrated prediction is right with probability equal to its confidence (src/evaluation/calibration.ts, \`eceFloor\`): ECE’s estimate is biased upwards on a few hundred examples, and this is what a perfectly calibrated model would show on them. AUROC: unseen vs known.`,
    columns: [
      'input',
      'examples/class',
      'test known / unseen',
      'accuracy',
      'T',
      'ECE raw',
      'ECE calibrated (draws’ range)',
      'ECE of a calibrated model',
      'AUROC kNN, served (draws’ range)',
      'AUROC Mahalanobis',
      'AUROC max-softmax',
      'known accepted',
      'unseen answered unknown',
    ],
    rows: rows.map((r) => [
      r.modality,
      String(r.examplesPerClass),
      `${r.testKnown} / ${r.testUnseen}`,
      pct(r.accuracy),
      f3(r.temperature),
      f3(r.eceBefore),
      spread(r.eceAfter, r.eceAfterDraws),
      f3(r.eceFloor),
      spread(r.aurocKnn, r.aurocKnnDraws),
      f3(r.aurocMahalanobis),
      f3(r.aurocMaxSoftmax),
      pct(r.knownAccepted),
      pct(r.unseenUnknown),
    ]),
    notes: [
      `Out-of-fold ECE (cross-fitted temperature), mean: ${rows.map((r) => `${r.modality} ${r.examplesPerClass}/class ${f3(r.oofEceBefore)} → ${f3(r.oofEceAfter)}`).join(', ')}.`,
      `Targets were AUROC ≥ 0.85 and ECE < 0.05. ${targetsLine(rows)}`,
      'Images: the trunk is nsfwjs’ MobileNetV2 (an NSFW classifier whose lower layers are ImageNet’s), and three of the six unseen sub-categories (person-activity, person-sport, family) are drawn in the same style as the known person-role and person-fantasy; the head’s 128 features, fitted to tell six classes apart from 48 or 96 images, are what the novelty reads. Still, the served kNN novelty lifts the AUROC well above the top score’s (max-softmax column), which is what a client app had before. Two one-off checks on draw 0 at 8 per class (not part of this run): kNN on the frozen trunk’s 1280 features at the cut instead of the head’s gives 0.742 against the served 0.730 (k = 3 and 5: lower), so the feature layer is not what is in the way; the other offline base, nsfwjs’ InceptionV3 (299 pixels, same job), gives 0.760 served and 0.796 at its 2048-feature cut, with lower accuracy (49% against 63%). The backbone is the limit: neither trunk was trained on drawings like these.',
      'ECE: the test sets hold 188 to 236 known emoji, on which even a perfectly calibrated model shows the ECE of the ‘ECE of a calibrated model’ column, so a target of 0.05 sits at or below what these examples can measure; read the calibrated ECE against that column. Text: the README’s text head is strongly under-confident on emoji names (temperature 0.1 to 0.2: raw ECE near 0.5), and temperature scaling removes most of it; the temperature is fitted on fold models and applied to the refit, which is trained on every example, and what is left (not separated here) includes that difference. The threshold, too, is fitted on fold models: the refit accepts more known names than the 95% target, and so answers fewer unseen ones unknown than its AUROC would allow at that rate.',
      'The sub-categories hold 30 to 82 emoji each, so 50 per class is not possible here; the known test set is what the draw leaves.',
    ],
  };
}

/** Which targets each row meets, in words. */
function targetsLine(rows: EmojiRow[]): string {
  return (
    rows
      .map(
        (r) =>
          `${r.modality} ${r.examplesPerClass}/class: AUROC ${f3(r.aurocKnn)} (${r.aurocKnn >= 0.85 ? 'met' : `short by ${f3(0.85 - r.aurocKnn)}`}), ` +
          `ECE ${f3(r.eceAfter)} (${r.eceAfter < 0.05 ? 'met' : `short by ${f3(r.eceAfter - 0.05)}`})`,
      )
      .join('; ') + '.'
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await initWasmBackend();
  const mode = process.argv[2] as Modality | undefined;
  const rows = await benchUnknownEmoji({
    log: (l) => console.log(l),
    ...(mode ? { modalities: [mode] } : {}),
  });
  console.log(JSON.stringify(rows, null, 2));
}
