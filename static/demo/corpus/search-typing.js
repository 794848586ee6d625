// Suggestions on every keystroke, no debounce: one request per key, each with a
// longer query, at the pace of the typist.
const out = document.getElementById('out');
window.suggestRequests = 0;
document.getElementById('q').addEventListener('input', (e) => {
  window.suggestRequests += 1;
  fetch('/api/suggest?q=' + encodeURIComponent(e.target.value))
    .then((r) => r.json())
    .then((d) => { out.textContent = d.suggestions.join('\n'); });
});
