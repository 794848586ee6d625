// Adds the Stormwatch panel to DevTools. The panel page itself loads the first
// time the panel is shown.
chrome.devtools.panels.create('Stormwatch', 'icon.png', 'panel.html');
