// The feed's next page, fetched when the user asks: the same endpoint and cursor
// as the poll, at the user's pace.
const out = document.getElementById('out');
let cursor = 0;
window.pages = 0;
function next() {
  window.pages += 1;
  return fetch(`/api/feed?cursor=${cursor}&limit=20`)
    .then((r) => r.json())
    .then((d) => { cursor = d.next; out.textContent = `page ${window.pages}, cursor ${cursor}`; });
}
document.getElementById('next').addEventListener('click', next);
next();
