// Loads the panel's wasm. MV3 forbids inline scripts, hence this file.
import init from './stormwatch.js';

init({ module_or_path: new URL('stormwatch_bg.wasm', import.meta.url) }).catch((error) => {
  const p = document.createElement('p');
  p.id = 'fatal';
  p.textContent = 'Stormwatch could not start: ' + error;
  document.body.prepend(p);
});
