// A notifications badge polled over GraphQL every 600 ms, with the last id seen
// as the variable (so every body differs), while the user searches now and then.
const out = document.getElementById('out');
let after = 0;
let searches = 0;

function gql(operationName, query, variables) {
  return fetch('/api/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ operationName, query, variables }),
  }).then((r) => r.json());
}

const timer = setInterval(() => {
  gql('Notifications', 'query Notifications($after: Int) { notifications(after: $after) { id text } }', { after })
    .then((r) => { after = (r.data.after || 0) + 1; out.textContent = `after ${after}`; });
}, 600);

document.getElementById('search').addEventListener('click', () => {
  searches += 1;
  gql('Search', 'query Search($q: String) { search(q: $q) { id } }', { q: 'term ' + searches });
});
document.getElementById('stop').addEventListener('click', () => {
  clearInterval(timer);
  window.corpusBackground.stop();
});
