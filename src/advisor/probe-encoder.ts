import type { StoredBase } from '../base-models/base-ref.js';
import { TEXTS_FILE, type TextIndex } from '../datasets/dataset-manifest.js';
import { PermanentJobError } from '../jobs/retry-policy.js';
import { loadSentenceEncoder } from '../ml/index.js';
import type { Store } from '../storage/store.js';
import {
  COST_SAMPLE,
  encoderSpec,
  probedEntry,
  probeSample,
  type ProbeOptions,
  type ProbeSample,
} from './candidate.js';
import { ENCODER_CUT } from './modalities.js';
import { openAsJob } from './open-as-job.js';
import type { Probed } from './ranking.js';
import { scoreCut } from './scores.js';
import { concatFloat32 } from '../lib/float32.js';

/**
 * A sentence encoder (a frozen GraphModel) has one cut, its embedding: the text modality
 * encodes every text once, exactly as a job on this base would (and caches the embeddings for
 * that job), the probe runs on them, and the cost is a timed encoding of a few of the texts.
 */
export async function probeEncoder(o: ProbeOptions): Promise<Probed> {
  const { store, payload, candidate, base, classes } = o;
  const encoder = base.encoder as NonNullable<StoredBase['encoder']>;
  const label = base.catalog ?? base.name ?? 'the sentence encoder';
  for (const ref of candidate.cuts ?? []) {
    if (ref !== ENCODER_CUT) {
      throw new PermanentJobError(`${label} is a GraphModel used whole: its one cut is '${ENCODER_CUT}'`);
    }
  }
  const spec = encoderSpec(candidate.base, payload.seed, o.recipe);
  const data = await openAsJob(o, spec, label, { text: true });
  const dim = encoder.dimension;
  const { rows, labels } = await readEmbeddings(probeSample(data, payload, o.warnings), dim, payload.seed);
  const plan = o.sharedPlan(labels, o.warnings);
  o.report({ phase: 'probing' });
  const values = concatFloat32(rows);
  const scores = await scoreCut(values, dim, classes.length, plan, o.signal);
  const msPerExample = await timeEncoder(store, payload.datasetId, base.dir);
  return {
    ...probedEntry({
      candidate,
      base,
      cutAt: ENCODER_CUT,
      scores,
      plan,
      msPerExample,
      featureDim: dim,
      baseParams: base.params.total,
      classes: classes.length,
      spec,
      depth: 0,
    }),
    frozenEncoder: label,
    features: { values, dim },
  };
}

/** The embedding of each sampled example, and its label, from the encoded sources in order. */
async function readEmbeddings(
  sample: ProbeSample,
  dim: number,
  seed: number,
): Promise<{ rows: Float32Array[]; labels: number[] }> {
  const { sources, keep } = sample;
  const rows: Float32Array[] = [];
  const labels: number[] = [];
  let at = 0;
  for (const source of sources) {
    for await (const batch of source.batches(256, { shuffle: false, seed, epoch: 0 })) {
      try {
        const xs = (await batch.xs.data()) as Float32Array;
        const ys = await batch.ys.data();
        for (let i = 0; i < ys.length; i++, at++) {
          if (keep && !keep.has(at)) continue;
          rows.push(xs.slice(i * dim, (i + 1) * dim));
          labels.push(ys[i] as number);
        }
      } finally {
        batch.xs.dispose();
        batch.ys.dispose();
      }
    }
  }
  return { rows, labels };
}

/** Milliseconds per text of the encoder on a few of the dataset's texts (after one warm-up call). */
async function timeEncoder(store: Store, datasetId: string, dir: string): Promise<number> {
  const index = await store.collection('datasets').readJson<TextIndex>(datasetId, TEXTS_FILE);
  const texts = index.texts.slice(0, COST_SAMPLE);
  const encoder = await loadSentenceEncoder(dir);
  try {
    await encoder.encode(texts.slice(0, 1));
    const t0 = performance.now();
    await encoder.encode(texts);
    return (performance.now() - t0) / Math.max(1, texts.length);
  } finally {
    encoder.dispose();
  }
}
