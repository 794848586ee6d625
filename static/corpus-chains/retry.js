// Two retry policies against /api/flaky, which answers 503 `fail` times per key.
const out = document.getElementById('out');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
window.corpus = { done: [] };

async function withBackoff(url, attempts = 5, base = 150) {
  for (let i = 0; i < attempts; i++) {
    const r = await fetch(url);
    if (r.ok) return r.json();
    await sleep(base * 2 ** i);
  }
  throw new Error('gave up');
}

async function atOnce(url, attempts = 9) {
  let r;
  for (let i = 0; i < attempts; i++) {
    r = await fetch(url);
    if (r.ok) return r.json();
  }
  return { failed: r.status };
}

const key = () => Math.random().toString(36).slice(2, 10);
document.getElementById('backoff').onclick = async () => {
  const answer = await withBackoff(`/api/flaky?key=b${key()}&fail=3`);
  window.corpus.done.push(['backoff', answer.attempt]);
  out.textContent += `backoff: answered on attempt ${answer.attempt}\n`;
};
document.getElementById('tight').onclick = async () => {
  const answer = await atOnce(`/api/flaky?key=t${key()}&fail=100`);
  window.corpus.done.push(['tight', answer.failed]);
  out.textContent += `at once: still ${answer.failed}\n`;
};
