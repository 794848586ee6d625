// An error reporter that keeps posting to an endpoint that always fails.
const out = document.getElementById('out');
document.getElementById('go').addEventListener('click', () => {
  for (let i = 0; i < 6; i++) {
    fetch('/api/_error', { method: 'POST', body: JSON.stringify({ error: 'TypeError', n: i }) })
      .then((r) => { out.textContent += `report ${i}: ${r.status}\n`; });
  }
});
