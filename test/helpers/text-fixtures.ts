import yazl from 'yazl';

/**
 * Tiny text classification sets made from word banks: two topics whose sentences share no
 * content words, so a few examples per class are enough for a head to separate them.
 */
const TOPICS: Record<string, { subjects: string[]; verbs: string[]; objects: string[] }> = {
  sports: {
    subjects: ['the striker', 'our goalkeeper', 'the coach', 'the team', 'the referee', 'a defender'],
    verbs: ['scored', 'kicked', 'defended', 'passed', 'won', 'tackled'],
    objects: ['the ball', 'a penalty', 'the match', 'the final', 'the league', 'a goal'],
  },
  cooking: {
    subjects: ['the chef', 'my grandmother', 'the baker', 'a cook', 'the waiter', 'our kitchen'],
    verbs: ['baked', 'stirred', 'seasoned', 'roasted', 'chopped', 'simmered'],
    objects: ['the bread', 'a soup', 'the onions', 'the cake', 'some garlic', 'the sauce'],
  },
};

export const TEXT_CLASSES = Object.keys(TOPICS);

export function sentence(topic: string, i: number): string {
  const t = TOPICS[topic]!;
  const pick = (a: string[], k: number) => a[k % a.length]!;
  return `${pick(t.subjects, i)} ${pick(t.verbs, i * 7 + 3)} ${pick(t.objects, i * 5 + 1)} today`;
}

export function textRows(perClass: number, offset = 0): Array<{ text: string; label: string }> {
  const rows: Array<{ text: string; label: string }> = [];
  for (let i = 0; i < perClass; i++)
    for (const c of TEXT_CLASSES) rows.push({ text: sentence(c, i + offset), label: c });
  return rows;
}

export function textCsv(perClass: number, cols: [string, string] = ['text', 'label']): Buffer {
  const esc = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const lines = [cols.join(','), ...textRows(perClass).map((r) => `${esc(r.text)},${esc(r.label)}`)];
  return Buffer.from(lines.join('\n') + '\n');
}

export function textJsonl(perClass: number): Buffer {
  return Buffer.from(
    textRows(perClass)
      .map((r) => JSON.stringify(r))
      .join('\n') + '\n',
  );
}

export function zipOf(files: Record<string, Buffer | string>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of Object.entries(files)) zip.addBuffer(Buffer.from(content), name);
  zip.end();
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    zip.outputStream.on('data', (c: Buffer) => chunks.push(c));
    zip.outputStream.on('end', () => resolve(Buffer.concat(chunks)));
    zip.outputStream.on('error', reject);
  });
}

export function textZip(perClass: number): Promise<Buffer> {
  const files: Record<string, string> = {};
  textRows(perClass).forEach((r, i) => (files[`${r.label}/${i}.txt`] = r.text));
  return zipOf(files);
}
