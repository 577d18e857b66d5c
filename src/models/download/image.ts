import type { ImagePreprocessing } from '../../contracts/preprocessing.js';
import { packageVersion, type ModalityParts } from './parts.js';

/** An image model's download: sharp decodes and resizes exactly as the service does. */
export function imageParts(image: ImagePreprocessing): ModalityParts {
  const [height, width] = image.size;
  const [lo, hi] = image.scale;
  const fit = {
    stretch: 'stretched to',
    letterbox: 'fitted inside (padded with black)',
    crop: 'cropped to fill',
  };
  return {
    files: {},
    install: `npm install @tensorflow/tfjs@${packageVersion('@tensorflow/tfjs')} sharp@${packageVersion('sharp')}`,
    how: [
      '1. Decode the image, apply its EXIF orientation and flatten any alpha onto black.',
      `2. Resize it: ${fit[image.resize]} ${width}x${height} (width x height), centred.`,
      `3. ${image.channels === 1 ? 'Greyscale, 1 channel' : 'sRGB, 3 channels'}; map each value 0..255 linearly onto [${lo}, ${hi}]: one float32 [${height}, ${width}, ${image.channels}] (HWC).`,
      '4. Run model.json (tf.loadLayersModel) on the batch: outputs in the order of `labels`.',
    ].join('\n'),
    metadata: {},
    example: 'photo.jpg another.png',
  };
}
