// A report that takes 1.3 s on the server.
const out = document.getElementById('out');
document.getElementById('go').addEventListener('click', () => {
  fetch('/api/report?ms=1300').then((r) => r.json()).then(() => { out.textContent = 'report ready'; });
});
