/**
 * The Content-Security-Policy of every answer: scripts and styles only from the service itself
 * (no inline script anywhere: the web app is built without one), data: only for images and
 * Vant's icon font, no framing, no plugins; WebAssembly may be compiled (the counter's QR
 * decoder), JavaScript may not be evaluated. No upgrade-insecure-requests: villages often reach
 * the service over plain HTTP on their own network.
 */
export const CSP = {
  'default-src': ["'self'"],
  // 'wasm-unsafe-eval' compiles WebAssembly only (the counter's QR decoder), never JavaScript.
  'script-src': ["'self'", "'wasm-unsafe-eval'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

export const cspHeader = (directives: Record<string, string[]>) =>
  Object.entries(directives)
    .map(([k, v]) => `${k} ${v.join(' ')}`)
    .join(';');

/**
 * Swagger UI (/api/docs) sets inline styles; only there may styles be inline. Scripts never, and
 * it compiles no WebAssembly.
 */
export const DOCS_CSP = cspHeader({
  ...CSP,
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
});
