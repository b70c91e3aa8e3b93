import type { Locator, Page } from '@playwright/test';
import jsQR from 'jsqr';

/**
 * Decodes the QR code in a rasterised image (a PNG screenshot of the rendered card): the browser
 * turns the PNG into pixels, jsQR reads them here. Returns the text, or null.
 */
export async function decodeQr(page: Page, png: Buffer): Promise<string | null> {
  const { width, height, data } = await page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(img, 0, 0);
    const pixels = ctx.getImageData(0, 0, canvas.width, canvas.height);
    return { width: pixels.width, height: pixels.height, data: Array.from(pixels.data) };
  }, png.toString('base64'));
  return jsQR(Uint8ClampedArray.from(data), width, height)?.data ?? null;
}

/** A screenshot of one card's QR, decoded. */
export async function decodeCard(page: Page, card: Locator): Promise<string> {
  const png = await card.screenshot({ type: 'png' });
  const text = await decodeQr(page, png);
  if (!text) throw new Error('the card’s QR code did not decode');
  return text;
}
