// Scratch: raw initiator stacks of a page's API requests (CDP Network on the page).
import { sleep, openDemo } from './devtools.mjs';
const session = await openDemo('corpus-libs/shared.html');
const { demo, tab, browser } = session;
try {
  const out = [];
  tab.page.browser.listeners.add((m) => {
    if (m.method === 'Network.requestWillBeSent' && m.sessionId === tab.page.id && m.params.request.url.includes('/api/libs/')) out.push(m.params);
  });
  await tab.page.send('Debugger.enable', {});
  await tab.page.send('Debugger.setAsyncCallStackDepth', { maxDepth: 8 });
  await tab.page.send('Network.enable', {});
  await tab.visit(`${demo.origin}/corpus-libs/${process.env.PAGE}`);
  await sleep(2500);
  for (const p of out) {
    console.log('==', p.request.url.slice(-30));
    let s = p.initiator.stack; let d = 0;
    while (s && d < 4) {
      console.log('  [' + (s.description || 'sync') + '] ' + s.callFrames.map((f) => f.functionName || '(anon)').join(' < '));
      s = s.parent; d++;
    }
  }
} finally { await session.close(); }
