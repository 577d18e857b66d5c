import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PayloadTooLargeError, ValidationError } from '../../src/lib/errors.js';
import { ZipArchive } from '../../src/lib/zip-archive.js';
import { zipOf } from '../helpers/dataset-fixtures.js';

/** ZipArchive.each, the batch inputs' reader: the entries and checks of `open`, one at a time. */
describe('ZipArchive.each', () => {
  let dir: string;
  const limits = { maxEntries: 100, maxBytes: 1_000_000 };
  const write = async (name: string, bytes: Buffer): Promise<string> => {
    const file = path.join(dir, name);
    await writeFile(file, bytes);
    return file;
  };
  const text = async (r: Readable): Promise<string> => {
    let s = '';
    for await (const c of r as AsyncIterable<Buffer>) s += c.toString();
    return s;
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'zip-each-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('yields the file entries open lists, in order, each readable as it comes', async () => {
    const file = await write(
      'ok.zip',
      await zipOf([
        { name: 'a/1.txt', data: Buffer.from('one') },
        { name: 'a/2.txt', data: Buffer.from('deux') },
        { name: 'b.txt', data: Buffer.from('two') },
      ]),
    );
    const opened = await ZipArchive.open(file, limits);
    const listed = opened.entries.map((e) => e.path);
    opened.close();
    const seen: Array<[string, string]> = [];
    for await (const { entry, read } of ZipArchive.each(file, limits))
      seen.push([entry.path, await text(await read())]);
    expect(seen.map(([p]) => p)).toEqual(listed);
    expect(seen).toEqual([
      ['a/1.txt', 'one'],
      ['a/2.txt', 'deux'],
      ['b.txt', 'two'],
    ]);
  });

  it('refuses what open refuses: a link, too many entries, not a zip', async () => {
    const link = await write(
      'link.zip',
      await zipOf([
        { name: 'ok.txt', data: Buffer.from('x') },
        { name: 'evil', data: Buffer.from('/etc/passwd'), mode: 0o120777 },
      ]),
    );
    const drain = async (file: string, l = limits) => {
      for await (const { read } of ZipArchive.each(file, l)) await text(await read());
    };
    await expect(drain(link)).rejects.toThrow(/symbolic link/);
    await expect(drain(link, { maxEntries: 1, maxBytes: 1_000_000 })).rejects.toBeInstanceOf(
      PayloadTooLargeError,
    );
    const junk = await write('junk.zip', Buffer.from('PK\x03\x04 not really'));
    await expect(drain(junk)).rejects.toBeInstanceOf(ValidationError);
  });
});
