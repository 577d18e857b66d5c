import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RESULT_FILES, ResultWriter, csvCell, type ResultLine } from '../../src/batch/batch-output.js';

describe('ResultWriter', () => {
  let dir: string;
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it('finishes when both files push back at once, every line in order', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'results-'));
    const writer = new ResultWriter(dir);
    // Each chunk is far past a stream's 16 KiB high-water mark, so both files ask to wait on
    // every write: a writer that waits for one file's 'drain' before listening for the other's
    // misses it and never returns (what stalled a batch mid-way).
    const chunks = 300;
    const perChunk = 400;
    for (let c = 0; c < chunks; c++) {
      const lines: ResultLine[] = Array.from({ length: perChunk }, (_, i) => ({
        id: `r${c * perChunk + i}`,
        error: 'x'.repeat(40),
      }));
      await writer.write(lines);
    }
    await writer.close();
    const jsonl = (await readFile(path.join(dir, RESULT_FILES.jsonl), 'utf8')).trim().split('\n');
    expect(jsonl).toHaveLength(chunks * perChunk);
    expect(JSON.parse(jsonl.at(-1)!).id).toBe(`r${chunks * perChunk - 1}`);
    const csv = (await readFile(path.join(dir, RESULT_FILES.csv), 'utf8')).trim().split('\n');
    expect(csv).toHaveLength(chunks * perChunk + 1);
  }, 20_000);

  it('quotes cells a spreadsheet would run as formulas', () => {
    expect(csvCell('=cmd()')).toBe("'=cmd()");
    expect(csvCell('-1.5')).toBe('-1.5');
    expect(csvCell('a,b')).toBe('"a,b"');
  });
});
