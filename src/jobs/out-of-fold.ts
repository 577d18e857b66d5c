import type { EvaluationMethod, OutOfFoldFile, OutOfFoldPrediction } from '../contracts/evaluation.js';
import type { Task } from '../contracts/task.js';
import type { ExampleOutputs } from '../ml/index.js';

const round = (v: number) => Math.round(v * 1e6) / 1e6;

/**
 * One prediction per evaluated example: `rows[j]` is the example (an index into `keys`) whose
 * output is row j of `outputs`, predicted by the model of fold `fold`.
 */
export function toPredictions(
  task: Task,
  keys: readonly string[],
  rows: readonly number[],
  outputs: ExampleOutputs,
  fold: number,
  /** Per row of `outputs`: its novelty against the reference of the model that predicted it. */
  novelty?: readonly number[],
): Array<{ index: number; prediction: OutOfFoldPrediction }> {
  const w = outputs.width;
  return rows.map((index, j) => {
    const exampleId = keys[index] as string;
    const truth = outputs.labels[j] as number;
    if (task === 'regression') {
      return {
        index,
        prediction: { exampleId, fold, target: truth, value: round(outputs.values[j] as number) },
      };
    }
    const probabilities = Array.from(outputs.values.subarray(j * w, (j + 1) * w), round);
    let predicted = 0;
    probabilities.forEach((p, c) => {
      if (p > (probabilities[predicted] as number)) predicted = c;
    });
    const n = novelty?.[j];
    return {
      index,
      prediction: {
        exampleId,
        fold,
        label: truth,
        predicted,
        probabilities,
        ...(n === undefined ? {} : { novelty: n }),
      },
    };
  });
}

/** Predictions of every fold, in dataset order, as stored with the model. */
export function outOfFoldFile(
  o: { method: EvaluationMethod; folds: number; classes: string[]; task: Task },
  parts: ReadonlyArray<Array<{ index: number; prediction: OutOfFoldPrediction }>>,
): OutOfFoldFile {
  const predictions = parts
    .flat()
    .sort((a, b) => a.index - b.index)
    .map((p) => p.prediction);
  return { method: o.method, folds: o.folds, classes: o.classes, task: o.task, predictions };
}
