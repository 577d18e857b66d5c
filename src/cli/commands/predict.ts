import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { PredictOptions, PredictResponse } from '../../client/index.js';
import { int, num, type CliContext } from '../context.js';
import { fmt, table } from '../format.js';
import { filesUnder } from '../zip-folder.js';

const IMAGE = /\.(png|jpe?g|webp|gif|avif|tiff?)$/i;
/** Files per request: well under the service's default PREDICT_MAX_INSTANCES. */
const CHUNK = 32;

type Prediction = PredictResponse['predictions'][number];
type Scored = { label: string; score: number; topK: Array<{ label: string; score: number }> };

/** Classification answers a label and scores; regression a value. */
const isScored = (p: Prediction): p is Prediction & Scored => 'label' in p;

/** The image files a path names: itself, or every image under a folder. */
async function imagesOf(p: string): Promise<string[]> {
  if (!(await stat(p)).isDirectory()) return [p];
  return (await filesUnder(p)).filter((f) => IMAGE.test(f)).map((f) => path.join(p, f));
}

function render(ctx: CliContext, names: string[], predictions: Prediction[]): void {
  if (ctx.json())
    return ctx.out(JSON.stringify({ predictions: predictions.map((p, i) => ({ input: names[i], ...p })) }));
  const label = (p: Prediction) => (isScored(p) ? p.label : JSON.stringify(p.value));
  if (ctx.quiet()) return predictions.forEach((p) => ctx.out(label(p)));
  const rows = predictions.map((p, i) => [
    names[i],
    label(p),
    isScored(p) ? fmt(p.score) : '',
    'novelty' in p && p.novelty !== undefined ? fmt(p.novelty) : '',
    'unknown' in p && p.unknown ? 'yes' : '',
    isScored(p) ? p.topK.map((t) => `${t.label} ${fmt(t.score)}`).join(', ') : '',
  ]);
  ctx.out(table(['input', 'label', 'score', 'novelty', 'unknown', 'top k'], rows));
}

export function predictCommands(program: Command, ctx: CliContext): void {
  program
    .command('predict <model> [paths...]')
    .description(
      'predict with a model (id or name): image files or folders of images, --text, or a JSON request body (--body file.json)',
    )
    .option('--text <text...>', 'texts to classify (text models)')
    .option('--body <file>', 'a JSON predict request ({"instances": [...]})')
    .option('--top-k <n>', 'ranked labels per prediction', int)
    .option('--version <n>', 'a version of a named model', int)
    .option('--accept-rate <x>', 'share of known examples to accept (the unknown threshold)', num)
    .action(
      async (
        model: string,
        paths: string[],
        o: { text?: string[]; body?: string; topK?: number; version?: number; acceptRate?: number },
      ) => {
        const opts: PredictOptions = { topK: o.topK, version: o.version, acceptRate: o.acceptRate };
        const client = ctx.client();
        if (o.text || o.body) {
          const body = o.body
            ? (JSON.parse(await readFile(o.body, 'utf8')) as { instances: unknown[] })
            : { instances: o.text!.map((text) => ({ text })) };
          const answer = await client.models.predict(model, body as never, opts);
          const names = o.body ? body.instances.map((_, i) => `instances[${i}]`) : o.text!;
          return render(ctx, names, answer.predictions as Prediction[]);
        }
        const files = (await Promise.all(paths.map(imagesOf))).flat();
        if (files.length === 0)
          throw new Error('nothing to predict: give image files, a folder, --text or --body');
        const predictions: Prediction[] = [];
        for (let i = 0; i < files.length; i += CHUNK) {
          const answer = await client.models.predictFiles(model, files.slice(i, i + CHUNK), opts);
          predictions.push(...(answer.predictions as Prediction[]));
          if (files.length > CHUNK) ctx.note(`${predictions.length}/${files.length}`);
        }
        render(ctx, files, predictions);
      },
    );
}
