// Near misses a real app produces: user-driven pagination and different bodies to
// one endpoint. None of this is a duplicate or a polling loop.
const out = document.getElementById('out');
let page = 1;
let searches = 0;

function load() {
  return fetch('/api/items?page=' + page).then((r) => r.json()).then((d) => {
    out.textContent = `page ${d.page}: ${d.items.length} items`;
  });
}

document.getElementById('next-page').addEventListener('click', () => { page += 1; load(); });
document.getElementById('search').addEventListener('click', () => {
  searches += 1;
  fetch('/api/search', { method: 'POST', body: JSON.stringify({ q: 'term ' + searches }) });
});

load();

// Refetch on window focus, as React Query and SWR do by default. Clicking into
// DevTools blurs and refocuses the page; Stormwatch must not call these duplicates.
window.addEventListener('focus', () => { load(); });
