// Polls a job's status on a fixed timer and never stops it on route change:
// the seeds' "polling every 2 seconds for 60 seconds, no AbortController on unmount".
const out = document.getElementById('out');
let timer = 0;

document.getElementById('start-polling').addEventListener('click', () => {
  if (timer) return;
  timer = setInterval(() => {
    fetch('/api/status?job=42&_=' + Date.now())
      .then((r) => r.json())
      .then((s) => { out.textContent = `job ${s.job}: ${s.progress}%`; });
  }, 1000);
});

document.getElementById('go-gallery').addEventListener('click', () => {
  history.pushState({}, '', '/polling.html#/gallery');
  document.querySelector('h1').textContent = 'Gallery';
});

document.getElementById('stop-polling').addEventListener('click', () => {
  clearInterval(timer);
  timer = 0;
});
