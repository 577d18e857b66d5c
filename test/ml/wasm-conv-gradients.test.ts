import * as tf from '@tensorflow/tfjs';
import type { backend_util } from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initWasmBackend, registerWasmTrainingKernels } from '../../src/ml/wasm-kernels/index.js';
import { relativeError } from './support/relative-error.js';
import { pick, randomInt, randomValues, seededRandom } from './support/seeded-random.js';

// Change to explore other draws; every case name carries its own seed, so any failure replays alone.
const BASE_SEED = 0x5eed_c0de;
const CASES_PER_KIND = 60;
const TOLERANCE = 1e-4;

type Shape4D = [number, number, number, number];
type Pad = 'same' | 'valid' | backend_util.ExplicitPadding;
type Kind = 'conv2d' | 'depthwise';

interface ConvCase {
  kind: Kind;
  seed: number;
  x: Shape4D;
  filter: Shape4D;
  strides: [number, number];
  dilations: [number, number];
  pad: Pad;
  out: Shape4D;
}

function describeCase(c: ConvCase): string {
  return (
    `${c.kind} seed=${c.seed} x=[${c.x.join(',')}] filter=[${c.filter.join(',')}] ` +
    `strides=[${c.strides.join(',')}] dilations=[${c.dilations.join(',')}] pad=${JSON.stringify(c.pad)}`
  );
}

function drawPad(random: () => number): Pad {
  const kind = pick(random, ['same', 'valid', 'explicit'] as const);
  if (kind !== 'explicit') return kind;
  const side = (): number => randomInt(random, 0, 3);
  return [
    [0, 0],
    [side(), side()],
    [side(), side()],
    [0, 0],
  ];
}

/** Draws until the forward convolution has a non-empty output (small 'valid' inputs often do not). */
function drawCase(kind: Kind, seed: number, dilated: boolean): ConvCase {
  const random = seededRandom(seed);
  for (;;) {
    const channels = randomInt(random, 1, 4);
    const x: Shape4D = [
      randomInt(random, 1, 3),
      randomInt(random, 1, 11),
      randomInt(random, 1, 11),
      channels,
    ];
    const outChannels = kind === 'conv2d' ? randomInt(random, 1, 4) : randomInt(random, 1, 3);
    const filter: Shape4D = [randomInt(random, 1, 4), randomInt(random, 1, 4), channels, outChannels];
    // tfjs allows a dilation only with stride 1; 3 is drawn now and then to catch stride-2-only logic.
    const stride = (): number => (dilated ? 1 : pick(random, [1, 1, 2, 2, 3]));
    const strides: [number, number] = [stride(), stride()];
    const dilations: [number, number] = dilated ? [randomInt(random, 1, 3), randomInt(random, 2, 3)] : [1, 1];
    const pad = drawPad(random);
    const info = tf.backend_util.computeConv2DInfo(
      x,
      filter,
      strides,
      dilations,
      pad,
      undefined,
      kind === 'depthwise',
    );
    if (info.outHeight > 0 && info.outWidth > 0) {
      return { kind, seed, x, filter, strides, dilations, pad, out: info.outShape };
    }
  }
}

function drawCases(kind: Kind, offset: number, count: number, dilated = false): ConvCase[] {
  return Array.from({ length: count }, (_, i) => drawCase(kind, BASE_SEED + offset + i, dilated));
}

/** Shapes where whole rows or columns of the gradient read nothing but padding. */
function paddingOnlyCases(): ConvCase[] {
  const specs: Array<Omit<ConvCase, 'out' | 'dilations'>> = [
    {
      kind: 'conv2d',
      seed: 1,
      x: [1, 1, 1, 4],
      filter: [1, 1, 4, 4],
      strides: [3, 1],
      pad: [
        [0, 0],
        [2, 0],
        [0, 0],
        [0, 0],
      ],
    },
    {
      kind: 'depthwise',
      seed: 2,
      x: [1, 1, 1, 4],
      filter: [1, 1, 4, 3],
      strides: [3, 1],
      pad: [
        [0, 0],
        [2, 0],
        [0, 0],
        [0, 0],
      ],
    },
    {
      kind: 'conv2d',
      seed: 3,
      x: [2, 2, 5, 2],
      filter: [1, 2, 2, 3],
      strides: [3, 2],
      pad: [
        [0, 0],
        [0, 3],
        [3, 1],
        [0, 0],
      ],
    },
    {
      kind: 'depthwise',
      seed: 4,
      x: [2, 2, 5, 2],
      filter: [1, 2, 2, 2],
      strides: [3, 2],
      pad: [
        [0, 0],
        [0, 3],
        [3, 1],
        [0, 0],
      ],
    },
  ];
  return specs.map((spec) => {
    const dilations: [number, number] = [1, 1];
    const info = tf.backend_util.computeConv2DInfo(
      spec.x,
      spec.filter,
      spec.strides,
      dilations,
      spec.pad,
      undefined,
      spec.kind === 'depthwise',
    );
    return { ...spec, dilations, out: info.outShape };
  });
}

interface CaseData {
  x: Float32Array;
  filter: Float32Array;
  dy: Float32Array;
}

function caseData(c: ConvCase): CaseData {
  const random = seededRandom(c.seed ^ 0x9e3779b9);
  return {
    x: randomValues(random, c.x),
    filter: randomValues(random, c.filter),
    dy: randomValues(random, c.out),
  };
}

/**
 * Fresh wasm heap is zeroed, so an output buffer a kernel never writes would pass as an all-zero
 * gradient. Freeing NaN-filled buffers of every small size first makes the allocator hand those out.
 */
function poisonFreedMemory(): void {
  tf.dispose(Array.from({ length: 256 }, (_, i) => tf.fill([i + 1], Number.NaN)));
}

async function onBackend<T extends tf.Tensor[]>(
  backend: 'cpu' | 'wasm',
  compute: () => T,
): Promise<Float32Array[]> {
  if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} unavailable`);
  poisonFreedMemory();
  const results = tf.tidy(compute);
  const values = await Promise.all(results.map((t) => t.data<'float32'>()));
  tf.dispose(results);
  return values;
}

/** Gradients of sum(conv(x, filter) * dy), so the kernels see an arbitrary upstream dy. */
function convGradients(c: ConvCase, data: CaseData): () => tf.Tensor[] {
  return () => {
    const x = tf.tensor4d(data.x, c.x);
    const filter = tf.tensor4d(data.filter, c.filter);
    const dy = tf.tensor4d(data.dy, c.out);
    const loss = (a: tf.Tensor, b: tf.Tensor): tf.Tensor => {
      const y =
        c.kind === 'conv2d'
          ? tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad)
          : tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad);
      return y.mul(dy).sum();
    };
    return tf.grads(loss)([x, filter]);
  };
}

beforeAll(async () => {
  await initWasmBackend();
});

describe('wasm convolution gradients match the cpu backend', () => {
  it.each(
    [
      ...drawCases('conv2d', 0, CASES_PER_KIND),
      ...drawCases('depthwise', 1000, CASES_PER_KIND),
      ...paddingOnlyCases(),
    ].map((c) => [describeCase(c), c] as const),
  )('%s', async (name, c) => {
    const data = caseData(c);
    const [cpuDx, cpuDw] = await onBackend('cpu', convGradients(c, data));
    const [wasmDx, wasmDw] = await onBackend('wasm', convGradients(c, data));
    expect(relativeError(wasmDw!, cpuDw!), `filter gradient, ${name}`).toBeLessThan(TOLERANCE);
    expect(relativeError(wasmDx!, cpuDx!), `input gradient, ${name}`).toBeLessThan(TOLERANCE);
  });
});

/**
 * tf.grad refuses dilated convolutions, but the depthwise gradient kernels take a dilation and
 * other code may call them directly. The cpu kernels ignore it, so the reference is the cpu kernel
 * on the equivalent undilated filter: the dilated one with zeros between its taps.
 */
describe('dilated depthwise gradient kernels match an undilated cpu reference', () => {
  function dilatedFilterShape(c: ConvCase): Shape4D {
    const [kh, kw, channels, multiplier] = c.filter;
    return [(kh - 1) * c.dilations[0] + 1, (kw - 1) * c.dilations[1] + 1, channels, multiplier];
  }

  function spreadFilter(c: ConvCase, values: Float32Array): tf.Tensor4D {
    const [kh, kw, channels, multiplier] = c.filter;
    const shape = dilatedFilterShape(c);
    const spread = tf.buffer<tf.Rank.R4>(shape, 'float32');
    let i = 0;
    for (let r = 0; r < kh; r++)
      for (let col = 0; col < kw; col++)
        for (let ch = 0; ch < channels; ch++)
          for (let m = 0; m < multiplier; m++)
            spread.set(values[i++] as number, r * c.dilations[0], col * c.dilations[1], ch, m);
    return spread.toTensor();
  }

  it.each(drawCases('depthwise', 2000, 20, true).map((c) => [describeCase(c), c] as const))(
    '%s',
    async (name, c) => {
      const data = caseData(c);
      const run = (kernel: string, inputs: tf.NamedTensorMap, attrs: object): tf.Tensor =>
        tf.engine().runKernel(kernel, inputs, attrs as tf.NamedAttrMap) as tf.Tensor;
      const [refDw, refDx] = await onBackend('cpu', () => {
        const x = tf.tensor4d(data.x, c.x);
        const dy = tf.tensor4d(data.dy, c.out);
        const spread = spreadFilter(c, data.filter);
        const common = { strides: c.strides, dilations: 1, pad: c.pad };
        const dwSpread = run(
          'DepthwiseConv2dNativeBackpropFilter',
          { x, dy },
          { ...common, filterShape: spread.shape },
        );
        const dw = tf.stridedSlice(dwSpread, [0, 0, 0, 0], dwSpread.shape, [
          c.dilations[0],
          c.dilations[1],
          1,
          1,
        ]);
        const dx = run(
          'DepthwiseConv2dNativeBackpropInput',
          { dy, filter: spread },
          { ...common, inputShape: c.x },
        );
        return [dw, dx];
      });
      const [wasmDw, wasmDx] = await onBackend('wasm', () => {
        const x = tf.tensor4d(data.x, c.x);
        const dy = tf.tensor4d(data.dy, c.out);
        const filter = tf.tensor4d(data.filter, c.filter);
        const common = { strides: c.strides, dilations: c.dilations, pad: c.pad };
        return [
          run('DepthwiseConv2dNativeBackpropFilter', { x, dy }, { ...common, filterShape: c.filter }),
          run('DepthwiseConv2dNativeBackpropInput', { dy, filter }, { ...common, inputShape: c.x }),
        ];
      });
      expect(relativeError(wasmDw!, refDw!), `filter gradient, ${name}`).toBeLessThan(TOLERANCE);
      expect(relativeError(wasmDx!, refDx!), `input gradient, ${name}`).toBeLessThan(TOLERANCE);
    },
  );
});

describe('the kernels release their intermediates', () => {
  it.each(
    [...drawCases('conv2d', 3000, 4), ...drawCases('depthwise', 4000, 4)].map(
      (c) => [describeCase(c), c] as const,
    ),
  )('%s', async (_name, c) => {
    await tf.setBackend('wasm');
    const data = caseData(c);
    const inputs = [tf.tensor4d(data.x, c.x), tf.tensor4d(data.filter, c.filter)];
    const tensorsBefore = tf.memory().numTensors;
    // Kernel-internal buffers bypass the engine's count; only the backend sees them.
    const buffersBefore = tf.backend().numDataIds();
    const grads = convGradients(c, data);
    tf.dispose(tf.tidy(grads));
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(tf.backend().numDataIds()).toBe(buffersBefore);
    tf.dispose(inputs);
  });
});

describe('registerWasmTrainingKernels', () => {
  const names = [
    'Conv2DBackpropFilter',
    'DepthwiseConv2dNativeBackpropFilter',
    'DepthwiseConv2dNativeBackpropInput',
  ];

  it('registers each kernel once, for wasm only', () => {
    const wasmBefore = names.map((n) => tf.getKernel(n, 'wasm'));
    const cpuBefore = names.map((n) => tf.getKernel(n, 'cpu'));
    registerWasmTrainingKernels();
    registerWasmTrainingKernels();
    names.forEach((n, i) => {
      expect(wasmBefore[i], n).toBeDefined();
      expect(tf.getKernel(n, 'wasm'), n).toBe(wasmBefore[i]);
      expect(tf.getKernel(n, 'cpu'), n).toBe(cpuBefore[i]);
    });
  });

  it('leaves alone a kernel the wasm backend already provides', () => {
    const name = 'DepthwiseConv2dNativeBackpropInput';
    const ours = tf.getKernel(name, 'wasm');
    const native: tf.KernelFunc = () => {
      throw new Error('stand-in for a kernel shipped by a newer tfjs-backend-wasm');
    };
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: native });
    try {
      registerWasmTrainingKernels();
      expect(tf.getKernel(name, 'wasm').kernelFunc).toBe(native);
    } finally {
      tf.unregisterKernel(name, 'wasm');
      registerWasmTrainingKernels();
    }
    expect(tf.getKernel(name, 'wasm').kernelFunc).toBe(ours.kernelFunc);
  });

  it('is what lets a convolution train on wasm', async () => {
    await tf.setBackend('wasm');
    const c = drawCases('conv2d', 5000, 1)[0]!;
    const grads = convGradients(c, caseData(c));
    tf.unregisterKernel('Conv2DBackpropFilter', 'wasm');
    try {
      expect(() => tf.dispose(tf.tidy(grads))).toThrow(/Conv2DBackpropFilter/);
    } finally {
      registerWasmTrainingKernels();
    }
    expect(() => tf.dispose(tf.tidy(grads))).not.toThrow();
  });
});
