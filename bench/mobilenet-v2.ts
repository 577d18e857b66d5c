/**
 * MobileNetV2 (alpha 1) in the Keras layout, built in pieces so a benchmark can run the frozen
 * bottom as inference and differentiate only the top, as the trainer does. Same blocks as
 * torchvision's `mobilenet_v2` (bench/pytorch/mobilenet_v2.py), so both sides run the same shapes.
 */
import * as tf from '@tensorflow/tfjs';

/** [expansion, output channels, stride] of the 17 inverted-residual blocks. */
export const BLOCKS: ReadonlyArray<readonly [number, number, number]> = (
  [
    [1, 16, 1, 1],
    [6, 24, 2, 2],
    [6, 32, 3, 2],
    [6, 64, 4, 2],
    [6, 96, 3, 1],
    [6, 160, 3, 2],
    [6, 320, 1, 1],
  ] as const
).flatMap(([e, c, n, s]) => Array.from({ length: n }, (_, i) => [e, c, i === 0 ? s : 1] as const));

function convBnRelu6(
  x: tf.SymbolicTensor,
  filters: number,
  kernelSize: number,
  strides: number,
  name: string,
) {
  const conv = tf.layers.conv2d({ filters, kernelSize, strides, padding: 'same', useBias: false, name });
  const bn = tf.layers.batchNormalization({ name: `${name}_bn` });
  const relu = tf.layers.reLU({ maxValue: 6, name: `${name}_relu` });
  return relu.apply(bn.apply(conv.apply(x))) as tf.SymbolicTensor;
}

function invertedResidual(x: tf.SymbolicTensor, index: number): tf.SymbolicTensor {
  const [expansion, filters, strides] = BLOCKS[index] as readonly [number, number, number];
  const name = `block_${index}`;
  const inChannels = x.shape[3] as number;
  let h = x;
  if (expansion !== 1) h = convBnRelu6(h, inChannels * expansion, 1, 1, `${name}_expand`);
  h = tf.layers
    .depthwiseConv2d({ kernelSize: 3, strides, padding: 'same', useBias: false, name: `${name}_depthwise` })
    .apply(h) as tf.SymbolicTensor;
  h = tf.layers.batchNormalization({ name: `${name}_depthwise_bn` }).apply(h) as tf.SymbolicTensor;
  h = tf.layers.reLU({ maxValue: 6, name: `${name}_depthwise_relu` }).apply(h) as tf.SymbolicTensor;
  h = tf.layers
    .conv2d({ filters, kernelSize: 1, padding: 'same', useBias: false, name: `${name}_project` })
    .apply(h) as tf.SymbolicTensor;
  h = tf.layers.batchNormalization({ name: `${name}_project_bn` }).apply(h) as tf.SymbolicTensor;
  if (strides === 1 && inChannels === filters) {
    h = tf.layers.add({ name: `${name}_add` }).apply([x, h]) as tf.SymbolicTensor;
  }
  return h;
}

/** Stem and blocks [0, untilBlock): the frozen bottom, image in, features out. */
export function mobileNetV2Bottom(inputSize: number, untilBlock: number): tf.LayersModel {
  const input = tf.input({ shape: [inputSize, inputSize, 3] });
  let h = convBnRelu6(input, 32, 3, 2, 'stem');
  for (let b = 0; b < untilBlock; b++) h = invertedResidual(h, b);
  return tf.model({ inputs: input, outputs: h });
}

/** Blocks [fromBlock, 17), the 1280-channel conv, global pooling and a softmax dense layer. */
export function mobileNetV2Top(featureShape: number[], fromBlock: number, classes: number): tf.LayersModel {
  const input = tf.input({ shape: featureShape });
  let h: tf.SymbolicTensor = input;
  for (let b = fromBlock; b < BLOCKS.length; b++) h = invertedResidual(h, b);
  h = convBnRelu6(h, 1280, 1, 1, 'head');
  h = tf.layers.globalAveragePooling2d({}).apply(h) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: classes, activation: 'softmax' }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/**
 * The fine-tune of the issue: the last `trainableBlocks` blocks, the final conv and the head
 * trainable, every BatchNormalization frozen (inference mode, as the trainer runs frozen layers).
 */
export function mobileNetV2FineTune(
  inputSize: number,
  classes: number,
  trainableBlocks = 2,
): { bottom: tf.LayersModel; top: tf.LayersModel } {
  const split = BLOCKS.length - trainableBlocks;
  const bottom = mobileNetV2Bottom(inputSize, split);
  const top = mobileNetV2Top(bottom.outputs[0]!.shape.slice(1) as number[], split, classes);
  bottom.trainable = false;
  for (const layer of top.layers) {
    if (layer.getClassName() === 'BatchNormalization') layer.trainable = false;
  }
  return { bottom, top };
}

/** The whole network for inference (ImageNet-sized head, as torchvision's). */
export function mobileNetV2(inputSize: number, classes = 1000): tf.LayersModel {
  const input = tf.input({ shape: [inputSize, inputSize, 3] });
  let h = convBnRelu6(input, 32, 3, 2, 'stem');
  for (let b = 0; b < BLOCKS.length; b++) h = invertedResidual(h, b);
  h = convBnRelu6(h, 1280, 1, 1, 'head');
  h = tf.layers.globalAveragePooling2d({}).apply(h) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: classes, activation: 'softmax' }).apply(h) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}
