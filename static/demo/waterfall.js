// Three independent requests awaited one after another (Promise.all would do).
const out = document.getElementById('out');
document.getElementById('go').addEventListener('click', async () => {
  const user = await fetch('/api/step/user').then((r) => r.json());
  const settings = await fetch('/api/step/settings').then((r) => r.json());
  const feed = await fetch('/api/step/feed').then((r) => r.json());
  out.textContent = [user.step, settings.step, feed.step].join(' → ');
});

// A chain that cannot simply run in parallel: the second request needs the user's id.
document.getElementById('dependent').addEventListener('click', async () => {
  const user = await fetch('/api/step/user').then((r) => r.json());
  const message = await fetch('/api/step/' + user.id).then((r) => r.json());
  const feed = await fetch('/api/step/feed').then((r) => r.json());
  out.textContent = [user.id, message.step, feed.step].join(' → ');
});
