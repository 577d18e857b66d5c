import type { ModelMeta } from '../contracts/model-meta.js';
import { ValidationError } from '../lib/errors.js';
import { parseModelRef } from '../models/names.js';
import type { ModelRegistry } from '../models/registry.js';
import type { Prediction } from '../serving/format.js';
import type { ProjectPredictions } from '../serving/prediction-service.js';
import { inInputTerms, pickInput, toInstances, unknownOverride } from './inputs.js';
import type { InferenceRequest, InferenceResponse, ModelMetadata, ResponseOutput } from './schemas.js';
import { modelInputs, modelOutputs, OUTPUTS, type TensorMetadata } from './tensors.js';

/**
 * The Open Inference Protocol (KServe v2) over the stored models. `{name}` is a model name (its
 * newest version, or `/versions/{version}`) or a model id; inference goes through the same
 * PredictionService as /v1 (same preprocessing, batcher, workers), so both answer alike.
 */

/** "<project>_<format>", as the spec forms platform names; TF.js is not among its examples. */
export const PLATFORM = 'tensorflowjs_layersmodel';

export interface OipDeps {
  registry: Pick<ModelRegistry, 'resolve' | 'versions'>;
  predictions: Pick<ProjectPredictions, 'predict'>;
  /** Whether the service can serve: Redis, the store and the TF.js backend answer. */
  ready: () => Promise<boolean>;
  /** Whether the TF.js backend that runs inference is up. */
  backendUp: () => Promise<boolean>;
  server: { name: string; version: string };
}

type Allow = (meta: ModelMeta) => void;

const VERSION = /^[1-9][0-9]{0,8}$/;

/** A `{version}` path segment: the spec's versions are strings, this service's count from 1. */
export function parseVersion(version: string | undefined): number | undefined {
  if (version === undefined) return undefined;
  if (!VERSION.test(version)) {
    throw new ValidationError(`model version '${version}' is not a version number (1, 2, 3, ...)`, {
      errors: [{ path: 'version', message: 'expected a positive integer' }],
    });
  }
  return Number(version);
}

export class OipService {
  constructor(private readonly deps: OipDeps) {}

  serverMetadata(): { name: string; version: string; extensions: string[] } {
    return { ...this.deps.server, extensions: [] };
  }

  async serverReady(): Promise<boolean> {
    return this.deps.ready();
  }

  /** `allow`: throws to refuse the resolved model (a key's model list), as for every model route here. */
  async modelMetadata(name: string, version?: string, allow?: Allow): Promise<ModelMetadata> {
    const meta = await this.resolve(name, version, allow);
    const ref = parseModelRef(name, 'name');
    const versions =
      ref.kind === 'name'
        ? (await this.deps.registry.versions.published(ref.name)).map((v) => String(v.version)).reverse()
        : undefined;
    const tensor = ({ name: n, datatype, shape }: TensorMetadata) => ({ name: n, datatype, shape });
    return {
      name,
      ...(versions ? { versions } : {}),
      platform: PLATFORM,
      inputs: modelInputs(meta).map(tensor),
      outputs: modelOutputs(meta),
    };
  }

  /** The model exists (404 otherwise) and the backend that would run it is up. */
  async modelReady(name: string, version?: string, allow?: Allow): Promise<{ name: string; ready: boolean }> {
    await this.resolve(name, version, allow);
    return { name, ready: await this.deps.backendUp() };
  }

  async infer(
    name: string,
    version: string | undefined,
    req: InferenceRequest,
    allow?: Allow,
  ): Promise<InferenceResponse> {
    const meta = await this.resolve(name, version, allow);
    const { input, spec } = pickInput(meta, req);
    const wanted = requestedOutputs(meta, req.outputs);
    const instances = toInstances(spec, input);
    const unknown = unknownOverride(req.parameters);
    let predictions: Prediction[];
    try {
      ({ predictions } = await this.deps.predictions.predict({
        idOrName: meta.id,
        // Every class's score, so the probabilities output is complete.
        topK: Math.max(1, meta.labels.length),
        input: { kind: 'json', instances },
        ...(unknown ? { unknown } : {}),
      }));
    } catch (err) {
      throw inInputTerms(err, spec.name);
    }
    return {
      model_name: name,
      ...(meta.version === undefined ? {} : { model_version: String(meta.version) }),
      ...(req.id === undefined ? {} : { id: req.id }),
      parameters: { model_id: meta.id },
      outputs: wanted.map((o) => outputTensor(meta, o, predictions)),
    };
  }

  private async resolve(name: string, version: string | undefined, allow?: Allow): Promise<ModelMeta> {
    const meta = await this.resolveRef(name, version);
    allow?.(meta);
    return meta;
  }

  private async resolveRef(name: string, version: string | undefined): Promise<ModelMeta> {
    const v = parseVersion(version);
    if (v !== undefined && parseModelRef(name, 'name').kind === 'id') {
      throw new ValidationError(`'${name}' is a model id; versions apply to model names`, {
        errors: [{ path: 'version', message: 'only valid with a model name' }],
      });
    }
    return this.deps.registry.resolve(name, v);
  }
}

/** The outputs asked for (all of the model's by default), each one the model has. */
function requestedOutputs(meta: ModelMeta, outputs: InferenceRequest['outputs']): TensorMetadata[] {
  const all = modelOutputs(meta);
  if (!outputs || outputs.length === 0) return all;
  return outputs.map((o, i) => {
    const found = all.find((a) => a.name === o.name);
    if (!found) {
      const message = `no output named '${o.name}': this model answers ${all.map((a) => `'${a.name}'`).join(', ')}`;
      throw new ValidationError(message, { errors: [{ path: `outputs[${i}].name`, message }] });
    }
    return found;
  });
}

type Classified = Extract<Prediction, { label: string }>;

/** One output tensor, flat and row-major, from v1's predictions. */
function outputTensor(meta: ModelMeta, out: TensorMetadata, predictions: Prediction[]): ResponseOutput {
  const n = predictions.length;
  if (out.name === OUTPUTS.value) {
    const values = predictions.map((p) => ('value' in p ? p.value : NaN));
    const width = Array.isArray(values[0]) ? values[0].length : 1;
    return {
      name: out.name,
      datatype: 'FP32',
      shape: width === 1 ? [n] : [n, width],
      data: values.flatMap((v) => v),
    };
  }
  const rows = predictions as Classified[];
  switch (out.name) {
    case OUTPUTS.probabilities: {
      const index = new Map(meta.labels.map((l, i) => [l, i]));
      const c = meta.labels.length;
      const data = new Array<number>(n * c).fill(0);
      rows.forEach((p, r) => {
        for (const s of p.topK) data[r * c + (index.get(s.label) ?? Number(s.label))] = s.score;
      });
      return { name: out.name, datatype: 'FP32', shape: [n, c], data };
    }
    case OUTPUTS.label:
      return { name: out.name, datatype: 'BYTES', shape: [n], data: rows.map((p) => p.label) };
    case OUTPUTS.novelty:
      return { name: out.name, datatype: 'FP32', shape: [n], data: rows.map((p) => p.novelty ?? NaN) };
    default:
      return { name: out.name, datatype: 'BOOL', shape: [n], data: rows.map((p) => p.unknown) };
  }
}
