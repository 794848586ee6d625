// What counting React renders costs the page: a tree of 1,000 components
// re-rendered 200 times (each commit synchronous, static/demo/react/bench.jsx) in
// Chromium with and without the extension (no DevTools open, so only the page
// hooks differ). Both browsers stay open and their passes alternate, so a noisy
// machine slows both alike; the fastest and the median pass are printed.
// Run: node scripts/bench-react.mjs (after a build). PASSES=n, BUILDS=18-production,...
import { startDemoServer } from './demo-server.mjs';
import { EXTENSION_DIR, until, openPlain } from '../tests/e2e/devtools.mjs';

const ROUNDS = 200;
const PASSES = Number(process.env.PASSES || 9);
const BUILDS = (process.env.BUILDS || '18-production,18-development,19-production').split(',');

async function openBench(build, extensionDir) {
  const [version, mode] = build.split('-');
  const opened = await openPlain(`${origin}/react.html?app=bench&react=${version}&mode=${mode}`, { extensionDir });
  await until(() => opened.page.eval('typeof window.runBench === "function"'), { what: 'the bench page' });
  await opened.page.eval('window.runBench(20)'); // warm up the JIT
  return opened;
}

const { server, origin } = await startDemoServer();
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pct = (a, b) => `${(((b - a) / a) * 100).toFixed(1)}%`;
console.log(`React render counting cost: 1,000 components re-rendered ${ROUNDS} times, ${PASSES} alternating passes per browser (Chromium headless, no DevTools):`);
console.log('  build                   fastest: without    with  overhead   median: without    with  overhead');
for (const build of BUILDS) {
  const { browser: plain, page: a } = await openBench(build, null);
  const { browser: hooked, page: b } = await openBench(build, EXTENSION_DIR);
  try {
    const without = [];
    const withExt = [];
    for (let i = 0; i < PASSES; i++) {
      without.push(await a.eval(`window.runBench(${ROUNDS})`));
      withExt.push(await b.eval(`window.runBench(${ROUNDS})`));
    }
    const [fa, fb, ma, mb] = [Math.min(...without), Math.min(...withExt), median(without), median(withExt)];
    console.log(`  ${build.padEnd(22)} ${fa.toFixed(1).padStart(17)} ${fb.toFixed(1).padStart(7)} ${pct(fa, fb).padStart(9)} ${ma.toFixed(1).padStart(16)} ${mb.toFixed(1).padStart(7)} ${pct(ma, mb).padStart(9)}`);
  } finally {
    await plain.close();
    await hooked.close();
  }
}
server.close();
