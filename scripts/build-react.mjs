// Builds the React demo and test pages (static/demo/react/*.jsx) against real
// React from npm: 17, 18 and 19, each as a development and a production build,
// into dist/demo-react/<version>-<mode>/<page>.js, plus rdt.js (React DevTools'
// backend alone, for tests that install it before Stormwatch).
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const src = path.join(root, 'static', 'demo', 'react');
const out = path.join(root, 'dist', 'demo-react');
const pages = fs.readdirSync(src).filter((f) => f.endsWith('.jsx') && !f.startsWith('_'));

fs.rmSync(out, { recursive: true, force: true });
const jobs = [];
for (const version of ['17', '18', '19']) {
  for (const mode of ['development', 'production']) {
    for (const page of pages) {
      jobs.push(build({
        entryPoints: [path.join(src, page)],
        outfile: path.join(out, `${version}-${mode}`, page.replace(/\.jsx$/, '.js')),
        bundle: true,
        format: 'iife',
        // Production builds are minified, as shipped: React DevTools flags unminified ones as dead code.
        minify: mode === 'production',
        jsx: 'transform',
        define: { 'process.env.NODE_ENV': JSON.stringify(mode) },
        alias: {
          react: path.join(root, 'node_modules', `react${version}`),
          'react-dom': path.join(root, 'node_modules', `react-dom${version}`),
          'stormwatch-mount': path.join(src, version === '17' ? 'mount17.js' : 'mount18.js'),
        },
        logLevel: 'warning',
      }));
    }
  }
}
jobs.push(build({
  entryPoints: [path.join(src, 'rdt.js')],
  outfile: path.join(out, 'rdt.js'),
  bundle: true,
  format: 'iife',
  define: { 'process.env.NODE_ENV': '"development"' },
  logLevel: 'warning',
}));
// The corpus-assets React pages (tests/e2e/corpus-assets.test.mjs): React 18, production, minified.
const corpus = path.join(root, 'static', 'corpus-assets');
for (const page of fs.readdirSync(corpus).filter((f) => f.endsWith('.jsx'))) {
  jobs.push(build({
    entryPoints: [path.join(corpus, page)],
    outfile: path.join(root, 'dist', 'corpus-assets', page.replace(/\.jsx$/, '.js')),
    bundle: true,
    format: 'iife',
    minify: true,
    jsx: 'transform',
    define: { 'process.env.NODE_ENV': '"production"' },
    alias: { react: path.join(root, 'node_modules', 'react18'), 'react-dom': path.join(root, 'node_modules', 'react-dom18') },
    logLevel: 'warning',
  }));
}
// The corpus-libs pages (tests/e2e/corpus-libs.test.mjs): React 18 in development with
// real data libraries from npm (React Query, axios), as `npm run dev` serves an app.
const libs = path.join(root, 'static', 'corpus-libs');
for (const page of fs.readdirSync(libs).filter((f) => f.endsWith('.jsx') && !f.startsWith('_'))) {
  jobs.push(build({
    entryPoints: [path.join(libs, page)],
    outfile: path.join(root, 'dist', 'corpus-libs', page.replace(/\.jsx$/, '.js')),
    bundle: true,
    format: 'iife',
    jsx: 'transform',
    define: { 'process.env.NODE_ENV': '"development"' },
    alias: { react: path.join(root, 'node_modules', 'react18'), 'react-dom': path.join(root, 'node_modules', 'react-dom18') },
    logLevel: 'warning',
  }));
}
await Promise.all(jobs);
console.log(`build: ${jobs.length} React pages in ${path.relative(root, out)}/`);
