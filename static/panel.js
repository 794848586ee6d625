// Loads the panel's wasm. MV3 forbids inline scripts, hence this file.
import init from './stormwatch.js';

// DevTools' own theme (Settings > Preferences > Theme: "default" is light), which
// can differ from the system's: the panel looks like the rest of DevTools.
const theme = globalThis.chrome?.devtools?.panels?.themeName;
if (theme === 'dark' || theme === 'default') document.documentElement.dataset.theme = theme === 'dark' ? 'dark' : 'light';

init({ module_or_path: new URL('stormwatch_bg.wasm', import.meta.url) }).catch((error) => {
  const p = document.createElement('p');
  p.id = 'fatal';
  p.textContent = 'Stormwatch could not start: ' + error;
  document.body.prepend(p);
});
