import { describe, expect, it } from 'vitest';
import { type JobSpecInput, jobSpecSchema, parseJobSpec } from '../../src/contracts/job-spec.js';
import type { BaseTopology, DatasetDescription } from '../../src/contracts/model-topology.js';
import { validateSpecAgainst } from '../../src/jobs/spec-check.js';
import { resolveImageInput } from '../../src/contracts/layer-refs.js';

const DS = 'ds_0123456789abcdef';
const BM = 'bm_0123456789abcdef';

/** A small CNN base as describeModel() reports it (batch dimension first). */
const cnnBase: BaseTopology = {
  inputShape: [null, 28, 28, 1],
  layers: [
    { name: 'input', className: 'InputLayer', outputShape: [null, 28, 28, 1] },
    { name: 'conv1', className: 'Conv2D', outputShape: [null, 26, 26, 8], inbound: ['input'] },
    { name: 'bn1', className: 'BatchNormalization', outputShape: [null, 26, 26, 8], inbound: ['conv1'] },
    { name: 'pool1', className: 'MaxPooling2D', outputShape: [null, 13, 13, 8], inbound: ['bn1'] },
    { name: 'conv2', className: 'Conv2D', outputShape: [null, 11, 11, 16], inbound: ['pool1'] },
    { name: 'flatten', className: 'Flatten', outputShape: [null, 1936], inbound: ['conv2'] },
    { name: 'dense', className: 'Dense', outputShape: [null, 32], inbound: ['flatten'] },
    { name: 'out', className: 'Dense', outputShape: [null, 5], inbound: ['dense'] },
  ],
};

const digits: DatasetDescription = {
  kind: 'image',
  task: 'classification',
  classes: ['5', '6', '7', '8', '9'],
  inputShape: [28, 28, 1],
};

const houses: DatasetDescription = {
  kind: 'tabular',
  task: 'regression',
  classes: [],
  inputShape: [12],
};

const spec = (s: Omit<JobSpecInput, 'datasetId'>) => parseJobSpec({ datasetId: DS, ...s });

function issues(input: unknown): Array<{ path: string; message: string }> {
  const r = jobSpecSchema.safeParse(input);
  if (r.success) return [];
  return r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

describe('job spec schema', () => {
  it('fills defaults for a minimal spec and keeps base-dependent fields unset', () => {
    const s = parseJobSpec({ datasetId: DS, base: { baseModelId: BM } });
    expect(s.compile).toEqual({ optimizer: 'adam', learningRate: 0.001 });
    expect(s.fit).toEqual({ epochs: 10, batchSize: 32, validationSplit: 0.2, shuffle: true });
    expect(s.callbacks).toEqual({});
    expect(s.head).toEqual([]);
    expect(s.cutAt).toBeUndefined();
    expect(s.freeze).toBeUndefined();
    expect(s.input).toBeUndefined();
  });

  it('parses the example spec of the design document', () => {
    const s = parseJobSpec({
      datasetId: DS,
      base: { baseModelId: BM },
      cutAt: 'flatten_1',
      freeze: 'all',
      head: [
        { type: 'dense', units: 128, activation: 'relu' },
        { type: 'dropout', rate: 0.5 },
      ],
      input: { size: [224, 224], scale: [0, 1] },
      compile: { optimizer: 'adam', learningRate: 0.001 },
      fit: { epochs: 10, batchSize: 32, validationSplit: 0.2 },
      callbacks: {
        reduceLROnPlateau: { monitor: 'val_loss', factor: 0.2, patience: 5, minLr: 0.00001 },
        earlyStopping: { monitor: 'val_loss', patience: 8, restoreBestWeights: true },
      },
      fineTune: { unfreezeFrom: 'block_16_expand', epochs: 5, learningRate: 0.00001 },
      augment: { flipHorizontal: true, rotateDegrees: 10 },
    });
    expect(s.input).toEqual({ size: [224, 224], scale: [0, 1] });
    expect(s.callbacks.reduceLROnPlateau).toMatchObject({ minDelta: 1e-4, cooldown: 0 });
    expect(s.fineTune?.trainBatchNorm).toBe(false);
    expect(s.augment).toEqual({
      flipHorizontal: true,
      flipVertical: false,
      rotateDegrees: 10,
      brightness: 0,
    });
  });

  it('rejects absurd numbers with the field path and the bound', () => {
    const bad = issues({
      datasetId: DS,
      fit: { epochs: 0, batchSize: 100_000, validationSplit: 0.95 },
      compile: { learningRate: -1 },
      head: [
        { type: 'dense', units: 1e9 },
        { type: 'dropout', rate: 1 },
      ],
      callbacks: { reduceLROnPlateau: { factor: 1.5 } },
      augment: { rotateDegrees: 720 },
      seed: 1.5,
    });
    const paths = bad.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        'fit.epochs',
        'fit.batchSize',
        'fit.validationSplit',
        'compile.learningRate',
        'head.0.units',
        'head.1.rate',
        'callbacks.reduceLROnPlateau.factor',
        'augment.rotateDegrees',
        'seed',
      ]),
    );
    expect(bad.find((i) => i.path === 'fit.epochs')?.message).toMatch(/>= 1/);
    expect(bad.find((i) => i.path === 'head.1.rate')?.message).toMatch(/0\.95/);
  });

  it('rejects misspelt options, unknown layer types, bad ids and model names', () => {
    const paths = issues({
      datasetId: '../etc',
      base: { baseModelID: BM },
      fit: { epoch: 3 },
      head: [{ type: 'lstm', units: 3 }],
      modelName: 'a/b',
    }).map((i) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['datasetId', 'base', 'fit', 'head.0.type', 'modelName']));
  });

  it('refuses base together with architecture, and base-only options without a base', () => {
    const both = issues({
      datasetId: DS,
      base: { modelId: 'm_0123456789abcdef' },
      architecture: [{ type: 'flatten' }],
    });
    expect(both.map((i) => i.path)).toEqual(['architecture']);
    const noBase = issues({
      datasetId: DS,
      architecture: [{ type: 'flatten' }],
      cutAt: 3,
      freeze: 'all',
      fineTune: { unfreezeFrom: 1 },
    });
    expect(noBase.map((i) => i.path).sort()).toEqual(['cutAt', 'fineTune', 'freeze']);
    expect(issues({ datasetId: DS, freeze: 'none' })).toEqual([]);
  });
});

describe('validateSpecAgainst', () => {
  it('accepts a transfer job cut at the flatten layer with a dense head', () => {
    const s = spec({ base: { baseModelId: BM }, cutAt: 'flatten', head: [{ type: 'dense', units: 16 }] });
    expect(validateSpecAgainst(s, cnnBase, digits)).toEqual([]);
  });

  it('names an unknown cutAt, freeze or unfreezeFrom layer and suggests similar names', () => {
    const s = spec({
      base: { baseModelId: BM },
      cutAt: 'flaten',
      freeze: 'nope',
      fineTune: { unfreezeFrom: 99 },
    });
    const errors = validateSpecAgainst(s, cnnBase, digits);
    expect(errors.map((e) => e.path)).toEqual(['cutAt']);
    expect(errors[0]?.message).toMatch(/no layer named 'flaten'/);

    const s2 = spec({
      base: { baseModelId: BM },
      cutAt: 'conv',
      freeze: 'nope',
      fineTune: { unfreezeFrom: 99 },
    });
    const e2 = validateSpecAgainst(s2, cnnBase, digits);
    expect(e2.find((e) => e.path === 'cutAt')?.message).toMatch(/similar: conv1, conv2/);
    const s3 = spec({ base: { baseModelId: BM }, freeze: 'nope', fineTune: { unfreezeFrom: 99 } });
    const e3 = validateSpecAgainst(s3, cnnBase, digits);
    expect(e3.map((e) => e.path).sort()).toEqual(['fineTune.unfreezeFrom', 'freeze']);
    expect(e3.find((e) => e.path === 'fineTune.unfreezeFrom')?.message).toMatch(/out of range/);
  });

  it('refuses unfreezing a layer removed by the cut, or one that is not frozen', () => {
    const removed = spec({
      base: { baseModelId: BM },
      cutAt: 'flatten',
      fineTune: { unfreezeFrom: 'dense' },
    });
    expect(validateSpecAgainst(removed, cnnBase, digits)).toEqual([
      {
        path: 'fineTune.unfreezeFrom',
        message: expect.stringMatching(/'dense' \(layer 6\) is removed by cutAt 'flatten'/),
      },
    ]);
    const notFrozen = spec({
      base: { baseModelId: BM },
      cutAt: 'flatten',
      freeze: 'pool1',
      fineTune: { unfreezeFrom: 'conv2' },
    });
    expect(validateSpecAgainst(notFrozen, cnnBase, digits)).toEqual([
      { path: 'fineTune.unfreezeFrom', message: expect.stringMatching(/not frozen/) },
    ]);
    const ok = spec({ base: { baseModelId: BM }, cutAt: 'flatten', fineTune: { unfreezeFrom: 'conv2' } });
    expect(validateSpecAgainst(ok, cnnBase, digits)).toEqual([]);
  });

  it('refuses cutting at the input layer and freezing more layers than are kept', () => {
    expect(validateSpecAgainst(spec({ base: { baseModelId: BM }, cutAt: 0 }), cnnBase, digits)[0]?.path).toBe(
      'cutAt',
    );
    const e = validateSpecAgainst(
      spec({ base: { baseModelId: BM }, cutAt: 'pool1', freeze: 6 }),
      cnnBase,
      digits,
    );
    expect(e).toEqual([{ path: 'freeze', message: expect.stringMatching(/only 4 layers are kept/) }]);
  });

  it('refuses a conv base for a tabular dataset and a feature count mismatch', () => {
    const s = parseJobSpec({ datasetId: DS, base: { baseModelId: BM } });
    expect(validateSpecAgainst(s, cnnBase, houses).map((e) => e.path)).toContain('base');
    const mlp: BaseTopology = {
      inputShape: [null, 10],
      layers: [
        { name: 'in', className: 'InputLayer', outputShape: [null, 10] },
        { name: 'h', className: 'Dense', outputShape: [null, 8] },
        { name: 'o', className: 'Dense', outputShape: [null, 1] },
      ],
    };
    expect(validateSpecAgainst(s, mlp, houses)).toEqual([
      { path: 'base', message: 'the base model expects input [10]; the tabular dataset has 12 features' },
    ]);
  });

  it('refuses a regression loss, regression metrics and augment mismatches', () => {
    const s = spec({
      base: { baseModelId: BM },
      compile: { loss: 'meanSquaredError' },
      callbacks: { earlyStopping: { monitor: 'val_mae' } },
    });
    const paths = validateSpecAgainst(s, cnnBase, digits).map((e) => e.path);
    expect(paths).toEqual(['compile.loss', 'callbacks.earlyStopping.monitor']);

    const t = parseJobSpec({
      datasetId: DS,
      compile: { loss: 'categoricalCrossentropy' },
      classWeight: 'balanced',
      augment: { flipHorizontal: true },
      callbacks: { reduceLROnPlateau: { monitor: 'val_acc' } },
    });
    expect(
      validateSpecAgainst(t, undefined, houses)
        .map((e) => e.path)
        .sort(),
    ).toEqual(['augment', 'callbacks.reduceLROnPlateau.monitor', 'classWeight', 'compile.loss']);
  });

  it('refuses val_ monitors without validation data and unknown class weights', () => {
    const s = parseJobSpec({
      datasetId: DS,
      fit: { validationSplit: 0 },
      callbacks: { earlyStopping: {} },
      classWeight: { '5': 2, cat: 1 },
    });
    expect(validateSpecAgainst(s, undefined, digits).map((e) => e.path)).toEqual([
      'classWeight.cat',
      'callbacks.earlyStopping.monitor',
    ]);
    expect(validateSpecAgainst(s, undefined, { ...digits, hasValidation: true }).map((e) => e.path)).toEqual([
      'classWeight.cat',
    ]);
  });

  it('checks head shapes layer by layer with the failing index', () => {
    const s = spec({
      base: { baseModelId: BM },
      cutAt: 'flatten',
      head: [
        { type: 'dense', units: 8 },
        { type: 'conv2d', filters: 4, kernelSize: 3 },
      ],
    });
    expect(validateSpecAgainst(s, cnnBase, digits)).toEqual([
      { path: 'head.1', message: 'conv2d needs a 3-D input [height, width, channels] but gets [8]' },
    ]);
    const tooBig = spec({
      base: { baseModelId: BM },
      cutAt: 'pool1',
      head: [{ type: 'conv2d', filters: 4, kernelSize: 15 }],
    });
    expect(validateSpecAgainst(tooBig, cnnBase, digits)[0]?.message).toMatch(
      /does not fit input \[13, 13, 8\]/,
    );
    const huge = spec({
      base: { baseModelId: BM },
      cutAt: 'bn1',
      head: [{ type: 'flatten' }, { type: 'dense', units: 65536 }],
    });
    expect(validateSpecAgainst(huge, cnnBase, digits)).toEqual([
      { path: 'head', message: expect.stringMatching(/parameters \(max 100,000,000\)/) },
    ]);
    const clash = spec({ base: { baseModelId: BM }, head: [{ type: 'dense', units: 4, name: 'conv1' }] });
    expect(validateSpecAgainst(clash, cnnBase, digits)).toEqual([
      { path: 'head.0.name', message: "layer name 'conv1' is already used" },
    ]);
  });

  it('checks a from-scratch architecture against the resolved input and input against the base', () => {
    const s = parseJobSpec({
      datasetId: DS,
      input: { size: [8, 8], channels: 1 },
      architecture: [
        { type: 'conv2d', filters: 4, kernelSize: 3 },
        { type: 'maxPooling2d', poolSize: 7 },
      ],
    });
    expect(validateSpecAgainst(s, undefined, digits)).toEqual([
      {
        path: 'architecture.1',
        message: expect.stringMatching(/window 7x7 .* does not fit input \[6, 6, 4\]/),
      },
    ]);
    const wrong = spec({ base: { baseModelId: BM }, input: { size: [32, 32], channels: 3 } });
    expect(validateSpecAgainst(wrong, cnnBase, digits).map((e) => e.path)).toEqual([
      'input.size',
      'input.channels',
    ]);
  });

  it('resolves image preprocessing from the spec, then the base, then the dataset', () => {
    expect(resolveImageInput(undefined, [null, 224, 224, 3], [28, 28, 1])).toEqual({
      size: [224, 224],
      channels: 3,
      scale: [0, 1],
      resize: 'stretch',
    });
    expect(resolveImageInput({ scale: [-1, 1] }, undefined, [28, 28, 1])).toMatchObject({
      size: [28, 28],
      channels: 1,
      scale: [-1, 1],
    });
  });
});

describe('parameter limit', () => {
  const wide = { type: 'dense' as const, units: 9_900, activation: 'relu' as const };

  it('names the architecture of a from-scratch job, not cutAt', () => {
    const s = spec({ architecture: [{ type: 'flatten' }, wide, wide] });
    const errors = validateSpecAgainst(s, undefined, digits);
    expect(errors).toEqual([
      { path: 'architecture', message: expect.stringMatching(/parameters \(max .*use fewer units/) },
    ]);
  });

  it('names the head when there is one, and cutAt for a bare cut', () => {
    const headed = spec({ base: { baseModelId: BM }, cutAt: 'flatten', head: [wide, wide] });
    expect(validateSpecAgainst(headed, cnnBase, digits).map((e) => e.path)).toEqual(['head']);
  });
});
