// Three widgets that each load the same profile on mount: the classic duplicate.
const out = document.getElementById('out');

function loadProfile(widget) {
  return fetch('/api/profile').then((r) => r.json()).then((p) => {
    out.textContent += `${widget}: ${p.name}\n`;
  });
}

function legacyWidget() {
  const xhr = new XMLHttpRequest();
  xhr.open('GET', '/api/profile');
  xhr.onload = () => { out.textContent += `legacy: ${xhr.status}\n`; };
  xhr.send();
}

document.getElementById('load-profile').addEventListener('click', () => {
  loadProfile('header');
  loadProfile('sidebar');
  loadProfile('avatar');
  legacyWidget();
});
