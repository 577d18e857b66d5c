import type { CandidateSpec } from '../contracts/advisor.js';
import { parseJobSpec } from '../contracts/job-spec.js';
import type { DatasetTrainingData } from '../datasets/modality.js';
import { openTrainingData } from '../datasets/training-data.js';
import { resolveJob } from '../jobs/job-context.js';
import { PermanentJobError } from '../jobs/retry-policy.js';
import type { ProbeOptions } from './candidate.js';

/**
 * The dataset with the very preprocessing (and checks) a job with this candidate's spec would
 * get: its image input, or its text encoding (`text`: the candidate is a sentence encoder, which
 * reports its encoding as progress). Probes have folds of their own: the job's evaluation choice
 * (and its checks) does not apply. A spec that does not fit the dataset is a permanent failure.
 */
export async function openAsJob(
  o: ProbeOptions,
  spec: CandidateSpec,
  label: string,
  opts: { text?: boolean } = {},
): Promise<DatasetTrainingData> {
  const { store, payload } = o;
  const resolved = await resolveJob(
    store,
    parseJobSpec({ ...spec, datasetId: payload.datasetId, evaluation: { method: 'holdout' } }),
  );
  const refuse = (why: string) => new PermanentJobError(`base ${label} does not fit the dataset: ${why}`);
  if (!resolved.ok) throw refuse(resolved.errors.map((e) => `${e.path}: ${e.message}`).join('; '));
  const { image, text } = resolved.context;
  if (opts.text && !text) throw refuse('not a text job');
  const input =
    text && opts.text
      ? {
          text,
          onPrepare: (done: number, total: number) =>
            o.report({ phase: 'features', examplesDone: done, examples: total }),
        }
      : image
        ? { image }
        : {};
  const { data } = await openTrainingData(store, payload.datasetId, {
    ...input,
    validationSplit: 0,
    seed: payload.seed,
  });
  return data;
}
