// Messages pile up in the DOM and in memory, and every message starts an interval
// that is never cleared: the seeds' "message tree accumulation with no cleanup policy".
const log = document.getElementById('log');
const history = [];
let timer = 0;

function receive() {
  for (let i = 0; i < 40; i++) {
    const el = document.createElement('div');
    el.textContent = `message ${history.length}`;
    log.appendChild(el);
    history.push({ el, payload: new Array(2000).fill(history.length) });
  }
  setInterval(() => { /* typing indicator, never cleared */ }, 60000);
  document.getElementById('out').textContent = `${history.length} messages kept`;
}

document.getElementById('go').addEventListener('click', () => { if (!timer) timer = setInterval(receive, 300); });
document.getElementById('stop').addEventListener('click', () => { clearInterval(timer); timer = 0; });
