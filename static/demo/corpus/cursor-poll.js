// A feed that asks for what is new after its cursor every 500 ms. The cursor
// moves with every answer, so no two requests are the same. Mounted as React
// StrictMode does in development: effect, cleanup, effect again (the first
// request is sent twice and the first copy aborted).
const out = document.getElementById('out');
let cursor = 0;
let timer = 0;
let controller = null;
let posts = 0;
window.feedRequests = 0;

function tick() {
  controller = new AbortController();
  window.feedRequests += 1;
  return fetch(`/api/feed?cursor=${cursor}&limit=20`, { signal: controller.signal })
    .then((r) => r.json())
    .then((d) => { cursor = d.next; posts += d.items.length; out.textContent = `${posts} posts`; })
    .catch(() => {});
}

function mount() {
  tick();
  timer = setInterval(tick, 500);
}

function unmount() {
  clearInterval(timer);
  if (controller) controller.abort();
}

mount();
unmount();
mount();

// Another poll on the page: the unread count, every 1.3 s, always the same request.
const unread = setInterval(() => fetch('/api/status?job=7').catch(() => {}), 1300);

document.getElementById('stop').addEventListener('click', () => {
  unmount();
  clearInterval(unread);
  window.corpusBackground.stop();
});
