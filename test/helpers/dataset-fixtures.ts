import zlib from 'node:zlib';
import sharp from 'sharp';
import yazl from 'yazl';

/** Tiny real datasets for tests: images encoded by sharp, zips built by yazl or by hand. */

export type Rgb = [number, number, number];

export async function png(width: number, height: number, rgb: Rgb): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .png()
    .toBuffer();
}

export async function jpeg(width: number, height: number, rgb: Rgb): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } })
    .jpeg({ quality: 95 })
    .toBuffer();
}

/** An image whose pixels encode `n` (so tests can tell examples apart after decoding). */
export async function numberedPng(n: number, size = 4): Promise<Buffer> {
  return png(size, size, [n % 256, Math.floor(n / 256) % 256, 77]);
}

export interface ZipItem {
  name: string;
  data: Buffer;
  /** Unix mode bits, e.g. 0o120777 for a symlink. */
  mode?: number;
}

/** A well-formed zip (yazl refuses unsafe names, which is what rawZip is for). */
export async function zipOf(items: ZipItem[]): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const item of items) {
    zip.addBuffer(item.data, item.name, item.mode === undefined ? {} : { mode: item.mode });
  }
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

/** A folder-per-class zip: `{ cats: [png, png], dogs: [...] }` under an optional prefix. */
export async function classZip(classes: Record<string, Buffer[]>, prefix = ''): Promise<Buffer> {
  const items: ZipItem[] = [];
  for (const [name, images] of Object.entries(classes)) {
    images.forEach((data, i) => items.push({ name: `${prefix}${name}/${i}.png`, data }));
  }
  return zipOf(items);
}

export interface RawEntry {
  name: string;
  /** Stored (method 0) data. */
  data?: Buffer;
  /** Pre-deflated data (method 8) with the sizes and crc to put in the headers. */
  deflated?: { bytes: Buffer; size: number; crc: number };
  mode?: number;
}

/**
 * Writes zip bytes by hand: any name (absolute, `..`), any mode, any declared size, which is
 * what a hostile archive looks like.
 */
export function rawZip(entries: RawEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const method = e.deflated ? 8 : 0;
    const body = e.deflated ? e.deflated.bytes : (e.data ?? Buffer.alloc(0));
    const size = e.deflated ? e.deflated.size : body.length;
    const crc = e.deflated ? e.deflated.crc : zlib.crc32(body);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc >>> 0, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, body);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc >>> 0, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((e.mode ?? 0o100644) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/**
 * `megabytes` MiB of zeros as raw deflate, about 1 KB per MiB: one fully flushed block repeated
 * (each starts with an empty dictionary, so copies concatenate) and a final empty block.
 */
export function deflatedZeros(megabytes: number): { bytes: Buffer; size: number; crc: number } {
  const mb = Buffer.alloc(1 << 20);
  const block = zlib.deflateRawSync(mb, { finishFlush: zlib.constants.Z_FULL_FLUSH, level: 9 });
  let crc = 0;
  for (let i = 0; i < megabytes; i++) crc = zlib.crc32(mb, crc);
  return {
    bytes: Buffer.concat([...Array<Buffer>(megabytes).fill(block), Buffer.from([0x03, 0x00])]),
    size: megabytes * (1 << 20),
    crc,
  };
}
