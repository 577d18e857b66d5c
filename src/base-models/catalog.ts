import type { ImagePreprocessing } from '../contracts/preprocessing.js';
import { NSFWJS_MOBILENET_V2, nsfwjsMobileNetV2Available } from './nsfwjs-mobilenet-v2.js';

/**
 * Well-known public TF.js LayersModels that can be registered by name. The MobileNet v1 family
 * is the one the TF.js transfer-learning tutorials use (Keras MobileNet v1 converted to layers
 * format, 1000 ImageNet classes, pixels scaled to [-1, 1]). Their files are fetched from
 * DEFAULT_CATALOG_BASE_URL, or from CATALOG_MIRROR_URL, a mirror serving the same relative paths
 * (air-gapped deployments). `nsfwjs-mobilenet-v2` needs no network: it is unpacked from the
 * nsfwjs npm package and listed only where that package resolves.
 */

export const DEFAULT_CATALOG_BASE_URL = 'https://storage.googleapis.com/tfjs-models/tfjs/';

export interface CatalogEntry {
  name: string;
  description: string;
  /** Path of model.json relative to the catalog base URL; absent for packaged entries. */
  path?: string;
  /** Packaged entries are written from an installed npm package instead of downloaded. */
  packaged?: 'nsfwjs-mobilenet-v2';
  /** One example, without the batch dimension. */
  inputShape: number[];
  preprocessing: ImagePreprocessing;
  /** A sensible `cutAt` for transfer learning: the last layer before the original classifier. */
  recommendedCutAt: string;
}

const ALPHAS = ['0.25', '0.50', '0.75', '1.0'] as const;
const SIZES = [128, 160, 192, 224] as const;

function mobilenetV1(alpha: string, size: number): CatalogEntry {
  const name = `mobilenet_v1_${alpha}_${size}`;
  return {
    name,
    description: `MobileNet v1 (width ${alpha}, ${size}x${size}) trained on ImageNet, Keras layers format`,
    path: `${name}/model.json`,
    inputShape: [size, size, 3],
    preprocessing: { size: [size, size], channels: 3, scale: [-1, 1], resize: 'stretch' },
    recommendedCutAt: 'conv_pw_13_relu',
  };
}

const NSFWJS_ENTRY: CatalogEntry = {
  name: 'nsfwjs-mobilenet-v2',
  description:
    'MobileNetV2 (224x224) from the nsfwjs package, uint8-quantized; available offline where the package is installed',
  packaged: 'nsfwjs-mobilenet-v2',
  inputShape: [...NSFWJS_MOBILENET_V2.inputSize, NSFWJS_MOBILENET_V2.channels],
  preprocessing: {
    size: NSFWJS_MOBILENET_V2.inputSize,
    channels: 3,
    scale: NSFWJS_MOBILENET_V2.scale,
    resize: 'stretch',
  },
  recommendedCutAt: NSFWJS_MOBILENET_V2.recommendedCutAt,
};

const MOBILENETS: CatalogEntry[] = ALPHAS.flatMap((a) => SIZES.map((s) => mobilenetV1(a, s)));

/** The entries this process can register (packaged ones only where their package resolves). */
export function catalogEntries(): CatalogEntry[] {
  return nsfwjsMobileNetV2Available() ? [...MOBILENETS, NSFWJS_ENTRY] : [...MOBILENETS];
}

export function findCatalogEntry(name: string): CatalogEntry | undefined {
  return catalogEntries().find((e) => e.name === name);
}

/** The URL of an entry's model.json under `baseUrl` (the default or a mirror). */
export function catalogUrl(entry: CatalogEntry, baseUrl: string): URL | undefined {
  if (!entry.path) return undefined;
  return new URL(entry.path, baseUrl.endsWith('/') ? baseUrl : baseUrl + '/');
}
