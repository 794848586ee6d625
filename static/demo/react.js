// Loads one React page built by scripts/build-react.mjs, chosen by the query:
// react.html?app=storm&react=18&mode=development (the defaults).
const PAGES = {
  storm: 'Re-render storm: a ticker sets state on every animation frame; twenty rows re-render with it.',
  unnecessary: 'Unnecessary renders: memoized rows get a new handler and style on every tick, so memo never skips.',
  memo: 'Well memoized control: stable props, rows render once; no React findings expected.',
  'devtools-after': 'React DevTools\u2019 backend loaded by the page after Stormwatch; both count renders.',
  'devtools-before': 'React DevTools installed before Stormwatch; both count renders.',
  bench: 'Benchmark: 1,000 components re-rendered on demand (window.runBench()).',
};
const query = new URLSearchParams(location.search);
const app = Object.hasOwn(PAGES, query.get('app')) ? query.get('app') : 'storm';
const version = ['17', '18', '19'].includes(query.get('react')) ? query.get('react') : '18';
const mode = query.get('mode') === 'production' ? 'production' : 'development';
document.title = `React ${version} (${mode}): ${app}`;
document.getElementById('title').textContent = document.title;
document.getElementById('about').textContent = PAGES[app];
const script = document.createElement('script');
script.src = `/react/${version}-${mode}/${app}.js`;
document.body.append(script);
