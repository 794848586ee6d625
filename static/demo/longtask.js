// Main-thread work the user feels: a busy loop in a click handler, and a loop that
// forces layout on every iteration (read offsetHeight, then write a style).
const out = document.getElementById('out');
const rows = document.getElementById('rows');
for (let i = 0; i < 300; i++) rows.appendChild(document.createElement('div')).textContent = `row ${i}`;

function buildReport() {
  const end = performance.now() + 200;
  let n = 0;
  while (performance.now() < end) n++;
  out.textContent = `report built (${n} iterations)`;
}

function resizeRows() {
  for (const row of rows.children) {
    row.style.height = `${row.offsetHeight + 1}px`;
    row.style.width = `${rows.offsetWidth - 1}px`;
  }
  out.textContent = 'rows resized';
}

document.getElementById('go').addEventListener('click', buildReport);
document.getElementById('thrash').addEventListener('click', () => { for (let i = 0; i < 6; i++) resizeRows(); });
