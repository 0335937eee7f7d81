// Builds the preview's page into OUT_DIR (CMake passes build/<preset>/server/preview-web):
// page.js (the page around the frame), frame.js (React 18, ReactDOM and sucrase,
// run inside the sandboxed frame), and the HTML and CSS copied as they are.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2];
if (!out) {
  console.error('usage: node build.mjs OUT_DIR');
  process.exit(2);
}
mkdirSync(out, { recursive: true });
const common = {
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2020',
  legalComments: 'none',
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
};
await build({ ...common, entryPoints: [join(here, 'src/page.js')], outfile: join(out, 'page.js') });
await build({ ...common, entryPoints: [join(here, 'src/frame.jsx')], outfile: join(out, 'frame.js'), jsx: 'transform' });
for (const file of ['index.html', 'frame.html', 'page.css']) copyFileSync(join(here, 'src', file), join(out, file));
