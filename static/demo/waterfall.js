// Three independent requests awaited one after another (Promise.all would do).
const out = document.getElementById('out');
document.getElementById('go').addEventListener('click', async () => {
  const user = await fetch('/api/step/user').then((r) => r.json());
  const settings = await fetch('/api/step/settings').then((r) => r.json());
  const feed = await fetch('/api/step/feed').then((r) => r.json());
  out.textContent = [user.step, settings.step, feed.step].join(' → ');
});
