// The same counter on a page where React DevTools installed its hook before
// Stormwatch did (the test injects rdt.js ahead of the extension).
import { start } from './_counter.jsx';

start();
