/**
 * Child process for the cross-process versioning test: saves `count` models under one name into
 * DATA_DIR concurrently and prints the versions it got. Run with tsx's loader.
 */
import * as tf from '@tensorflow/tfjs';
import { FsStore } from '../../src/storage/fs-store.js';
import { saveModel, tabularMeta, tabularRegressor } from './serving-fixtures.js';

const [dataDir, name, count] = process.argv.slice(2) as [string, string, string];
await tf.setBackend('cpu');
const store = new FsStore(dataDir);
const model = tabularRegressor();
const metas = await Promise.all(
  Array.from({ length: Number(count) }, () => saveModel(store, model, tabularMeta('regression'), name)),
);
process.stdout.write(JSON.stringify(metas.map((m) => m.version)) + '\n');
