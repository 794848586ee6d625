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

chrome.runtime.onConnect.addListener((port) => {
  const sender = port.sender || {};
  if (port.name === 'stormwatch-page') {
    if (!sender.tab || sender.frameId !== 0) {
      port.disconnect();
      return;
    }
    const tabId = sender.tab.id;
    pages.set(tabId, port);
    port.onMessage.addListener((msg) => {
      for (const panel of panels.get(tabId) || []) send(panel, msg);
    });
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
