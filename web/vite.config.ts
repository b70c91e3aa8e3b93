import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { VantResolver } from '@vant/auto-import-resolver';
import vue from '@vitejs/plugin-vue';
import Components from 'unplugin-vue-components/vite';
import { defineConfig, type Plugin } from 'vite';

const outDir = resolve(__dirname, '../dist/web');

/** Writes foo.js.gz and foo.js.br next to every compressible file, for the static server. */
function precompress(): Plugin {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? walk(path) : [path];
    });
  return {
    name: 'precompress',
    apply: 'build',
    closeBundle() {
      for (const file of walk(outDir)) {
        if (!/\.(js|css|html|svg|json|txt|webmanifest|wasm)$/.test(file)) continue;
        const data = readFileSync(file);
        writeFileSync(`${file}.gz`, gzipSync(data, { level: 9 }));
        writeFileSync(
          `${file}.br`,
          brotliCompressSync(data, {
            params: {
              [constants.BROTLI_PARAM_QUALITY]: 11,
              [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
            },
          }),
        );
      }
    },
  };
}

/**
 * Vant's icon font is embedded (woff2 data URL) and falls back to a CDN; the CSP (font-src 'self'
 * data:) refuses that address and the browser logs it, so the fallback is dropped.
 */
function noCdnFont(): Plugin {
  return {
    name: 'no-cdn-font',
    enforce: 'pre',
    transform(code, id) {
      if (!id.includes('vant/es/icon/index.css')) return null;
      return code.replace(/,\s*url\(["']?\/\/at\.alicdn\.com[^)]*\)\s*format\([^)]*\)/g, '');
    },
  };
}

export default defineConfig({
  root: __dirname,
  base: '/',
  plugins: [
    noCdnFont(),
    vue(),
    // Vant's components and their styles, imported where a template uses them; the types of the
    // global names are in src/components.d.ts (written by the build, committed for vue-tsc)
    Components({
      resolvers: [VantResolver()],
      dirs: [],
      dts: resolve(__dirname, 'src/components.d.ts'),
    }),
    precompress(),
  ],
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2020',
    // No inline scripts anywhere: the CSP is script-src 'self'.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 200,
  },
  server: {
    proxy: { '/api': 'http://localhost:3000' },
  },
});
