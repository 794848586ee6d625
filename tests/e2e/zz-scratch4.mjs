import { sleep, openDemo } from '/work/main/tests/e2e/devtools.mjs';
const session = await openDemo('corpus-libs/shared.html');
const { demo, tab } = session;
try {
  await tab.visit(`${demo.origin}/corpus-libs/${process.env.PAGE || "suspense.html"}`);
  await sleep(4000);
  const r = await tab.fullReport();
  const t0 = r.page.started_at;
  for (const e of r.events) {
    if (!['request_start','request_end','network'].includes(e.type)) continue;
    if (!(e.url||'').includes('/api/') && e.type!=='request_end') continue;
    console.log(e.type, e.id ?? '', (e.url||'').slice(-32), Math.round(e.t - t0), e.type==='network' ? JSON.stringify(e.caller) : '');
  }
} finally { await session.close(); }
