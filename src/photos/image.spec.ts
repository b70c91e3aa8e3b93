import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspectImage, NotAnImage } from './image';

const fixture = (name: string) => readFileSync(join(__dirname, '../../test/fixtures', name));

describe('inspectImage', () => {
  it.each([
    ['photo.jpg', 'image/jpeg'],
    ['photo.png', 'image/png'],
    ['photo.webp', 'image/webp'],
  ])('knows %s (made by Chromium) by its bytes, with its size', (name, type) => {
    expect(inspectImage(fixture(name))).toEqual({ type, width: 64, height: 48 });
  });

  it.each(['photo.jpg', 'photo.png', 'photo.webp'])('refuses %s cut off halfway', (name) => {
    const whole = fixture(name);
    expect(() => inspectImage(whole.subarray(0, Math.floor(whole.length / 2)))).toThrow(/cut off/);
  });

  it('refuses a text file, whatever its name', () => {
    expect(() => inspectImage(Buffer.from('hello, this is not a photo'))).toThrow(NotAnImage);
  });

  it('refuses a PNG claiming 30,000 × 30,000 pixels without decoding it', () => {
    const png = Buffer.from(fixture('photo.png'));
    png.writeUInt32BE(30_000, 16);
    png.writeUInt32BE(30_000, 20);
    expect(() => inspectImage(png)).toThrow(/30000 × 30000 pixels/);
  });

  it('refuses a JPEG claiming 30,000 × 30,000 pixels', () => {
    const jpg = Buffer.from(fixture('photo.jpg'));
    const sof = jpg.indexOf(Buffer.from([0xff, 0xc0]));
    expect(sof).toBeGreaterThan(0);
    jpg.writeUInt16BE(30_000, sof + 5);
    jpg.writeUInt16BE(30_000, sof + 7);
    expect(() => inspectImage(jpg)).toThrow(/30000 × 30000 pixels/);
  });

  it('refuses a WebP claiming 16,384 × 16,384 pixels', () => {
    const webp = Buffer.from(fixture('photo.webp'));
    webp.writeUIntLE(16_383, 24, 3);
    webp.writeUIntLE(16_383, 27, 3);
    expect(() => inspectImage(webp)).toThrow(/16384 × 16384 pixels/);
  });
});
