import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeNsfwjsMobileNetV2 } from '../../src/base-models/nsfwjs-mobilenet-v2.js';
import { saveModelToDir } from '../../src/ml/model-io.js';
import { zipOf } from './dataset-fixtures.js';

/** Shared fixtures for the base-model tests; everything is made here, nothing is checked in. */

export async function tempDir(label: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `bm-${label}-`));
}

/** The real MobileNetV2 from the nsfwjs package, unpacked into a fresh folder. */
export async function nsfwjsFolder(): Promise<{ dir: string; modelJson: Buffer; shard: Buffer }> {
  const dir = await tempDir('nsfwjs');
  await writeNsfwjsMobileNetV2(dir);
  return {
    dir,
    modelJson: await readFile(path.join(dir, 'model.json')),
    shard: await readFile(path.join(dir, 'group1-shard1of1')),
  };
}

/** A small functional model with the given image input, saved as model.json + weights.bin. */
export async function tinyImageModel(inputShape: [number, number, number]): Promise<{
  dir: string;
  modelJson: Buffer;
  weights: Buffer;
  params: number;
}> {
  const input = tf.input({ shape: inputShape, name: 'image' });
  const conv = tf.layers
    .conv2d({ filters: 2, kernelSize: 3, strides: 4, activation: 'relu', name: 'conv' })
    .apply(input) as tf.SymbolicTensor;
  const pooled = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(conv) as tf.SymbolicTensor;
  const out = tf.layers
    .dense({ units: 3, activation: 'softmax', name: 'probs' })
    .apply(pooled) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  const dir = await tempDir('tiny');
  await saveModelToDir(model, dir);
  const params = model.countParams();
  model.dispose();
  return {
    dir,
    modelJson: await readFile(path.join(dir, 'model.json')),
    weights: await readFile(path.join(dir, 'weights.bin')),
    params,
  };
}

export { multipart, type Part } from './multipart.js';

/** A zip of `{ name: contents }`. */
export async function zipFiles(files: Record<string, Buffer | string>): Promise<Buffer> {
  return zipOf(
    Object.entries(files).map(([name, data]) => ({
      name,
      data: Buffer.isBuffer(data) ? data : Buffer.from(data),
    })),
  );
}

export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  port: number;
  /** Paths requested so far. */
  hits: string[];
  close(): Promise<void>;
}

/** A node:http server on 127.0.0.1 with a random port. */
export async function startServer(handler: http.RequestListener): Promise<TestServer> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    hits,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Serves every file of `dir` at `<prefix><name>`; returns false for other paths. */
export async function staticFiles(dir: string, prefix: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const name of await readdir(dir)) files.set(prefix + name, await readFile(path.join(dir, name)));
  return files;
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const s = await startServer(() => undefined);
  await s.close();
  return s.port;
}
