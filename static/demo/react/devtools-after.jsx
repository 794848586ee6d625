// React DevTools loaded by the page after Stormwatch's hook (as the standalone
// react-devtools does), then a counter. Both must see the renders.
import './rdt.js';
import { start } from './_counter.jsx';

start();
