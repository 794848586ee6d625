// A dashboard's start: five different endpoints at once. Not one request per
// item: each answers a different question.
const out = document.getElementById('out');
window.dashboardLoads = 0;
async function load() {
  window.dashboardLoads += 1;
  const names = ['user', 'settings', 'flags', 'cart', 'notifications'];
  const parts = await Promise.all(names.map((n) => fetch('/api/' + n).then((r) => r.json())));
  out.textContent = `${parts[0].name}: ${parts[4].length} notifications, ${Object.keys(parts[2]).length} flags`;
}
document.getElementById('reload').addEventListener('click', load);
load();
