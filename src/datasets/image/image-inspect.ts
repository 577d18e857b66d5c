import sharp from 'sharp';
import type { ImageFormat } from '../dataset-manifest.js';
import { MAX_INPUT_PIXELS } from './image-preprocess.js';

/**
 * The check every stored image passes once, at upload (src/datasets/image/image-ingest.ts) or
 * when a version adds it: a supported format whose pixels decode as training will decode them.
 */

export type ImageInfo =
  { format: ImageFormat; width: number; height: number; channels: number } | { error: string };

/** Reads the header and decodes the pixels once, with the same strictness training uses. */
export async function inspectImage(file: string | Buffer): Promise<ImageInfo> {
  const opts = { failOn: 'error' as const, limitInputPixels: MAX_INPUT_PIXELS, animated: false };
  try {
    const meta = await sharp(file, opts).metadata();
    const format = formatOf(meta.format, meta.compression);
    if (!format) return { error: `unsupported image format (${meta.format ?? 'unknown'})` };
    await sharp(file, opts).resize(8, 8, { fit: 'fill' }).raw().toBuffer();
    return {
      format,
      width: meta.autoOrient?.width ?? meta.width ?? 0,
      height: meta.autoOrient?.height ?? meta.height ?? 0,
      channels: meta.channels ?? 3,
    };
  } catch (err) {
    return { error: `unreadable image: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** The stored format of what sharp read, if the service takes it. */
function formatOf(format: string | undefined, compression: string | undefined): ImageFormat | undefined {
  switch (format) {
    case 'jpeg':
    case 'png':
    case 'webp':
    case 'gif':
    case 'tiff':
      return format;
    case 'heif':
      return compression === 'av1' ? 'avif' : undefined;
    default:
      return undefined;
  }
}
