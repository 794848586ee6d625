// An app shell with background traffic (a poll, beacons, a prefetch) around a
// multi-step load that awaits each step before starting the next.
const out = document.getElementById('out');
const log = (line) => { out.textContent += line + '\n'; };
window.corpus = { polls: [], beacons: 0, steps: [], clicks: [] };

// Background: a status poll every 20 ms and a beacon per step.
async function pollStatus() {
  const t = performance.now();
  const r = await fetch('/api/status?job=sync');
  await r.json();
  window.corpus.polls.push([t, performance.now()]);
}
const poll = setInterval(pollStatus, 20);
document.getElementById('stop').onclick = () => clearInterval(poll);

function track(event) {
  window.corpus.beacons += 1;
  navigator.sendBeacon('/api/beacon', JSON.stringify({ event, at: Date.now() }));
}

window.corpus.prefetch = [];
function prefetchNextPage() {
  const t = performance.now();
  fetch('/api/items?page=2').then((r) => r.json()).then(() => window.corpus.prefetch.push([t, performance.now()]));
}

async function getJson(url) {
  const r = await fetch(url);
  return r.json();
}

// The waterfall: four awaits in a row, though no step needs the previous answer.
async function loadWizard() {
  const t0 = performance.now();
  const account = await getJson('/api/chain/step?n=1&via=wizard');
  track('account');
  prefetchNextPage();
  const plan = await getJson('/api/chain/step?n=2&via=wizard');
  track('plan');
  const billing = await getJson('/api/chain/step?n=3&via=wizard');
  track('billing');
  const team = await getJson('/api/chain/step?n=4&via=wizard');
  window.corpus.steps.push([t0, performance.now()]);
  log(`wizard: ${[account, plan, billing, team].map((s) => s.step).join(' → ')} in ${(performance.now() - t0).toFixed(1)} ms`);
}
document.getElementById('wizard').onclick = () => { loadWizard(); };

// The near miss: the same kind of request, one per click.
for (const button of document.querySelectorAll('[data-step]')) {
  button.onclick = () => {
    const n = button.dataset.step;
    window.corpus.clickedAt = (window.corpus.clickedAt || []).concat(performance.now());
    fetch(`/api/chain/step?n=${n}&via=click`).then((r) => r.json()).then((s) => {
      window.corpus.clicks.push([s.step, performance.now()]);
      log(`clicked step ${s.step}`);
    });
  };
}
