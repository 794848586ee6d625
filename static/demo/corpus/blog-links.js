// A blog index whose router prefetches the page behind each link in view, as
// Next.js's app router does in production: a React Server Components payload per
// link (`/blog/<slug>?_rsc=<hash of the router state>`), a few at a time.
const SLUGS = ['how-we-ship', 'rust-in-prod', 'edge-caching', 'a-b-tests', 'hiring-2026', 'postmortem-may', 'design-tokens', 'release-notes-41', 'on-call', 'year-in-review'];
const list = document.getElementById('posts');
window.corpus = { prefetched: 0 };

const queue = [];
let running = 0;
function next() {
  while (running < 5 && queue.length) {
    const href = queue.shift();
    running += 1;
    fetch(`${href}?_rsc=1ld0r`, { headers: { RSC: '1', 'Next-Router-Prefetch': '1' } })
      .then((r) => r.text())
      .finally(() => {
        running -= 1;
        window.corpus.prefetched += 1;
        next();
      });
  }
}

const seen = new IntersectionObserver((entries) => {
  for (const e of entries) {
    if (!e.isIntersecting) continue;
    seen.unobserve(e.target);
    queue.push(e.target.getAttribute('href'));
  }
  next();
});

for (const slug of SLUGS) {
  const a = document.createElement('a');
  a.href = `/corpus/blog/${slug}`;
  a.textContent = slug.replace(/-/g, ' ');
  const li = document.createElement('li');
  li.append(a);
  list.append(li);
  seen.observe(a);
}
