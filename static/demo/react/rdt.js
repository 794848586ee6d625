// React DevTools' own backend (react-devtools-core from npm), connected to an
// in-page recorder instead of the DevTools app, so tests can see it still works
// next to Stormwatch: window.__rdt counts its 'operations' messages (the tree it
// sends to its frontend) and the component names in them.
import { initialize, connectWithCustomMessagingProtocol } from 'react-devtools-core';

const seen = { operations: 0, names: [] };
window.__rdt = seen;

// Operations: [rendererID, rootID, stringTableSize, (length, ...code points)*, ...ops].
function namesIn(ops) {
  const names = [];
  let i = 3;
  const end = 3 + ops[2];
  while (i < end) {
    const len = ops[i];
    names.push(String.fromCodePoint(...ops.slice(i + 1, i + 1 + len)));
    i += 1 + len;
  }
  return names;
}

initialize();
connectWithCustomMessagingProtocol({
  onSubscribe() {},
  onUnsubscribe() {},
  onMessage(event, payload) {
    if (event !== 'operations') return;
    seen.operations++;
    for (const n of namesIn(payload)) if (!seen.names.includes(n)) seen.names.push(n);
  },
});
