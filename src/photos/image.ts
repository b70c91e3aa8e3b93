import sharp from 'sharp';
/**
 * What an uploaded file really is, judged by its bytes, never by its name or claimed type:
 * JPEG, PNG or WebP, whole (not cut off), with a sane size in pixels. Only the headers and the
 * trailer are read; nothing is decoded, so a file claiming 30,000 × 30,000 pixels costs nothing.
 */
export type ImageType = 'image/jpeg' | 'image/png' | 'image/webp';

export interface ImageInfo {
  type: ImageType;
  width: number;
  height: number;
}

/** Longest side and most pixels a photo may claim (a phone photo is ~4,000 × 3,000). */
export const MAX_SIDE = 10_000;
export const MAX_PIXELS = 50_000_000;

/** Why a file is not an acceptable photo, in words for the `file` field's 400. */
export class NotAnImage extends Error {}

export function inspectImage(b: Buffer): ImageInfo {
  const info = isPng(b) ? png(b) : isJpeg(b) ? jpeg(b) : isWebp(b) ? webp(b) : null;
  if (!info) throw new NotAnImage('the file is not a JPEG, PNG or WebP image');
  const { width, height } = info;
  if (width < 1 || height < 1) throw new NotAnImage('the image has no size');
  if (width > MAX_SIDE || height > MAX_SIDE || width * height > MAX_PIXELS) {
    throw new NotAnImage(
      `the image is ${width} × ${height} pixels; at most ${MAX_SIDE} on a side and ${MAX_PIXELS / 1e6} million pixels`,
    );
  }
  return info;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const PNG_IEND = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82]);

const isPng = (b: Buffer) => b.length >= 8 && b.subarray(0, 8).equals(PNG_SIGNATURE);
const isJpeg = (b: Buffer) => b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
const isWebp = (b: Buffer) =>
  b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP';

const truncated = () => new NotAnImage('the image is cut off (incomplete file)');

function png(b: Buffer): ImageInfo {
  // signature, then the IHDR chunk: length (13), "IHDR", width, height
  if (b.length < 33 || b.toString('latin1', 12, 16) !== 'IHDR') throw truncated();
  if (!b.subarray(b.length - PNG_IEND.length).equals(PNG_IEND)) throw truncated();
  return { type: 'image/png', width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

/** Start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) are not frames. */
const isStartOfFrame = (m: number) =>
  m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

function jpeg(b: Buffer): ImageInfo {
  let end = b.length;
  while (end > 2 && b[end - 1] === 0) end--; // some cameras pad after the end marker
  if (end < 4 || b[end - 2] !== 0xff || b[end - 1] !== 0xd9) throw truncated();
  let i = 2;
  while (i + 4 <= end) {
    if (b[i] !== 0xff) throw new NotAnImage('the JPEG is malformed');
    const marker = b[i + 1];
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2; // markers without a length
      continue;
    }
    const length = b.readUInt16BE(i + 2);
    if (length < 2) throw new NotAnImage('the JPEG is malformed');
    if (isStartOfFrame(marker)) {
      if (i + 9 > end) throw truncated();
      return { type: 'image/jpeg', height: b.readUInt16BE(i + 5), width: b.readUInt16BE(i + 7) };
    }
    if (marker === 0xda) break; // image data began before any frame header
    i += 2 + length;
  }
  throw new NotAnImage('the JPEG has no frame header');
}

function webp(b: Buffer): ImageInfo {
  if (b.readUInt32LE(4) + 8 > b.length) throw truncated();
  const chunk = b.toString('latin1', 12, 16);
  if (chunk === 'VP8X' && b.length >= 30) {
    return { type: 'image/webp', width: 1 + b.readUIntLE(24, 3), height: 1 + b.readUIntLE(27, 3) };
  }
  if (chunk === 'VP8 ' && b.length >= 30) {
    return {
      type: 'image/webp',
      width: b.readUInt16LE(26) & 0x3fff,
      height: b.readUInt16LE(28) & 0x3fff,
    };
  }
  if (chunk === 'VP8L' && b.length >= 25 && b[20] === 0x2f) {
    const bits = b.readUInt32LE(21);
    return { type: 'image/webp', width: 1 + (bits & 0x3fff), height: 1 + ((bits >> 14) & 0x3fff) };
  }
  throw new NotAnImage('the WebP is malformed');
}

/** The time one photo's decoding and encoding may take. */
const ENCODE_SECONDS = 10;

/**
 * The photo as it is stored: decoded and encoded again in its own format, turned upright by its
 * EXIF orientation first, with no metadata kept. Whatever rode along in the file (HTML between
 * PNG chunks, megabytes of padding, the GPS position of a villager's home in the EXIF) is gone,
 * and a file that does not decode is refused. Decoding is bounded by MAX_PIXELS and a time limit,
 * and runs on libvips' threads, not the event loop.
 */
export async function reencodeImage(
  b: Buffer,
  type: ImageType,
): Promise<{ data: Buffer; info: ImageInfo }> {
  const image = sharp(b, { limitInputPixels: MAX_PIXELS, failOn: 'error' })
    .timeout({ seconds: ENCODE_SECONDS })
    .autoOrient();
  const encoded =
    type === 'image/jpeg'
      ? image.jpeg({ quality: 85, mozjpeg: true })
      : type === 'image/png'
        ? image.png({ compressionLevel: 9 })
        : image.webp({ quality: 85 });
  try {
    const { data, info } = await encoded.toBuffer({ resolveWithObject: true });
    return { data, info: { type, width: info.width, height: info.height } };
  } catch {
    throw new NotAnImage('the image cannot be read (damaged or not really a photo)');
  }
}
