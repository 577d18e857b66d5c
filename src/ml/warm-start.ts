import type * as tf from '@tensorflow/tfjs';

/**
 * Warm start: the layers a job trains from its first epoch (head, architecture, base layers it
 * does not freeze) take the weights of the same-named layer of a trained model, where every
 * weight's shape matches. Layers the job freezes keep the base's weights, so the frozen prefix
 * (and its cached features) is the base's, and a layer only fine-tuned later starts from the
 * base too. An output layer whose classes changed keeps its fresh initialisation.
 */

export interface WarmStartReport {
  copied: string[];
  skipped: Array<{ layer: string; reason: string }>;
}

export function warmStartLayers(model: tf.LayersModel, from: tf.LayersModel): WarmStartReport {
  const report: WarmStartReport = { copied: [], skipped: [] };
  const previous = new Map(from.layers.map((l) => [l.name, l]));
  for (const layer of model.layers) {
    if (!layer.trainable || layer.weights.length === 0) continue;
    const prev = previous.get(layer.name);
    if (!prev) {
      report.skipped.push({ layer: layer.name, reason: 'not in the model it starts from' });
      continue;
    }
    const shapes = (l: tf.layers.Layer) => l.weights.map((w) => w.shape.join('x')).join(',');
    if (shapes(prev) !== shapes(layer)) {
      report.skipped.push({
        layer: layer.name,
        reason: `its weights are shaped [${shapes(layer)}] here and [${shapes(prev)}] there`,
      });
      continue;
    }
    // getWeights() reads the variables (no copies to dispose); setWeights writes their values.
    layer.setWeights(prev.getWeights());
    report.copied.push(layer.name);
  }
  return report;
}
