// A document viewer reading one file in pieces, as PDF.js does: Range requests
// by fetch and by XMLHttpRequest, then offset/limit chunks. One resource, not items.
const out = document.getElementById('out');
const FILE = '/api/files/manual.pdf';
const SIZE = 256 * 1024;
window.pieces = 0;

function byFetch(from, to) {
  window.pieces += 1;
  return fetch(FILE, { headers: { Range: `bytes=${from}-${to}` } }).then((r) => r.arrayBuffer());
}

function byXhr(from, to) {
  window.pieces += 1;
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('GET', FILE);
    xhr.setRequestHeader('Range', `bytes=${from}-${to}`);
    xhr.responseType = 'arraybuffer';
    xhr.onloadend = () => resolve(xhr.response);
    xhr.send();
  });
}

async function read() {
  const chunk = SIZE / 16;
  const ranges = await Promise.all(Array.from({ length: 16 }, (_, i) => (i % 4 === 3 ? byXhr : byFetch)(i * chunk, (i + 1) * chunk - 1)));
  const parts = await Promise.all(Array.from({ length: 8 }, (_, i) => {
    window.pieces += 1;
    return fetch(`${FILE}?offset=${i * 32768}&limit=32768`).then((r) => r.arrayBuffer());
  }));
  const bytes = [...ranges, ...parts].reduce((n, b) => n + b.byteLength, 0);
  out.textContent = `${bytes} bytes read in ${ranges.length + parts.length} pieces`;
}
document.getElementById('read').addEventListener('click', read);
read();
