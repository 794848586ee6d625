// Loads the StrictMode page built by scripts/build-react.mjs from static/demo/react/strictfetch.jsx.
const query = new URLSearchParams(location.search);
const mode = query.get('mode') === 'production' ? 'production' : 'development';
const version = ['18', '19'].includes(query.get('react')) ? query.get('react') : '18';
document.title = `StrictMode effects (React ${version} ${mode})`;
const script = document.createElement('script');
script.src = `/react/${version}-${mode}/strictfetch.js`;
document.body.append(script);
