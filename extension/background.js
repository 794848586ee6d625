// Stormwatch service worker: routes messages between each tab's relay and the
// panels inspecting that tab, keyed by tab id. It holds no state worth keeping:
// Chrome stops it after 30 s idle, and relays and panels reconnect and resync.
'use strict';

const pages = new Map(); // tabId -> port of the relay in the tab's top frame
const panels = new Map(); // tabId -> Set of panel ports

/** Tells a tab's relay how many panels inspect it, so it posts only when someone listens. */
function announce(tabId) {
  const page = pages.get(tabId);
  if (page) send(page, { kind: 'listeners', n: (panels.get(tabId) || new Set()).size });
}

function send(port, msg) {
  try {
    port.postMessage(msg);
  } catch (_) {
    /* that side went away; its own reconnect resyncs it */
  }
}

// A page's messages are merged and forwarded to its panels about every
// FORWARD_MS, as one port message holding the list, instead of one port message
// per page batch. Every port message is a task of its own on the panel's main
// thread (measured on the hostile page: 20,000 forged batches queued 20,000 tasks
// ahead of anything else the panel had to do, stalling it for 200-375 ms); a
// list of a frame's worth costs one task. Order is kept: everything a tab's page
// sends goes through its one queue. A queue holding more than FORWARD_CHARS of
// text goes at once, so no single message grows large: a message is alive in the
// panel until all of it is taken into wasm, and what a young-generation GC finds
// alive survives it (enough survivors grow V8's young generation, which the panel's
// JS heap peak under a flood is made of); 64 K characters is a few hundred events.
const FORWARD_MS = 16;
const FORWARD_CHARS = 64 * 1024;
const queued = new Map(); // tabId -> { list, chars, timer }

function textLength(msg) {
  return msg && typeof msg.text === 'string' ? msg.text.length : 0;
}

function forward(tabId, msg) {
  if (!panels.has(tabId)) return; // nobody inspects the tab: the relay resends on sync
  let q = queued.get(tabId);
  if (!q) {
    q = { list: [], chars: 0, timer: setTimeout(() => flush(tabId), FORWARD_MS) };
    queued.set(tabId, q);
  }
  q.list.push(msg);
  q.chars += textLength(msg);
  if (q.chars >= FORWARD_CHARS) flush(tabId);
}

function flush(tabId) {
  const q = queued.get(tabId);
  if (!q) return;
  clearTimeout(q.timer);
  queued.delete(tabId);
  // One message stays as it is; several travel as an array of the same messages.
  const out = q.list.length === 1 ? q.list[0] : q.list;
  for (const panel of panels.get(tabId) || []) send(panel, out);
}

chrome.runtime.onConnect.addListener((port) => {
  const sender = port.sender || {};
  if (port.name === 'stormwatch-page') {
    if (!sender.tab || sender.frameId !== 0) {
      port.disconnect();
      return;
    }
    const tabId = sender.tab.id;
    pages.set(tabId, port);
    port.onMessage.addListener((msg) => forward(tabId, msg));
    port.onDisconnect.addListener(() => {
      void chrome.runtime.lastError;
      if (pages.get(tabId) === port) pages.delete(tabId);
    });
    announce(tabId);
    return;
  }
  const m = /^stormwatch-panel:(\d+)$/.exec(port.name);
  // Panels are our own extension pages; nothing else may subscribe to a tab.
  if (m && !sender.tab && sender.url && sender.url.startsWith(chrome.runtime.getURL(''))) {
    const tabId = Number(m[1]);
    if (!panels.has(tabId)) panels.set(tabId, new Set());
    panels.get(tabId).add(port);
    announce(tabId);
    port.onMessage.addListener((msg) => {
      if (msg && (msg.kind === 'sync' || msg.kind === 'fetch_map')) {
        const page = pages.get(tabId);
        if (page) send(page, msg);
      }
    });
    port.onDisconnect.addListener(() => {
      void chrome.runtime.lastError;
      const set = panels.get(tabId);
      if (set) {
        set.delete(port);
        if (set.size === 0) panels.delete(tabId);
      }
      announce(tabId);
    });
    return;
  }
  port.disconnect();
});
