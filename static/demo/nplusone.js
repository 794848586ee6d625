// One request per message: the seeds' "messages synced individually, not in batch".
const out = document.getElementById('out');
document.getElementById('go').addEventListener('click', async () => {
  const ids = [101, 102, 103, 104, 105, 106, 107, 108];
  const messages = await Promise.all(ids.map((id) => fetch('/api/messages/' + id).then((r) => r.json())));
  out.textContent = `${messages.length} messages`;
});
