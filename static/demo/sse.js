// A live feed that opens a new EventSource on every click and never closes the
// old ones, and a route change that leaves them open.
const out = document.getElementById('out');
const sources = [];
document.getElementById('go').addEventListener('click', () => {
  const source = new EventSource('/api/events');
  source.onmessage = (e) => { out.textContent = `${sources.length} open, last tick ${e.data}`; };
  sources.push(source);
});
document.getElementById('route').addEventListener('click', () => {
  history.pushState({}, '', '/sse.html#/settings');
  document.querySelector('h1').textContent = 'Settings';
});
