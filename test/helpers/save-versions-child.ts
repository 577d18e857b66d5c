/**
 * Child process for the cross-process versioning test: saves `count` models under one name into
 * the store its environment names (STORAGE_URL, DATA_DIR, ...) concurrently and prints the
 * versions it got. Run with tsx's loader.
 */
import * as tf from '@tensorflow/tfjs';
import { loadConfig } from '../../src/config/env.js';
import { openStore } from '../../src/queue/open-store.js';
import { closeStore } from '../../src/storage/create-store.js';
import { saveModel, tabularMeta, tabularRegressor } from './serving-fixtures.js';

const [name, count] = process.argv.slice(2) as [string, string];
await tf.setBackend('cpu');
const { store, close } = openStore(loadConfig(process.env));
await store.init();
const model = tabularRegressor();
const metas = await Promise.all(
  Array.from({ length: Number(count) }, () => saveModel(store, model, tabularMeta('regression'), name)),
);
process.stdout.write(JSON.stringify(metas.map((m) => m.version)) + '\n');
closeStore(store);
await close();
