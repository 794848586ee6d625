// React DevTools loaded by the page after Stormwatch's hook (as the standalone
// react-devtools does), then a counter. Both must see the renders.
import './rdt.js';
import React, { useState } from 'react';
import { mount } from 'stormwatch-mount';

function Counter() {
  const [n, setN] = useState(0);
  return <button id="go" onClick={() => setN(n + 1)}>clicked {n}</button>;
}

function App() {
  return <main><Counter /></main>;
}

mount(document.getElementById('root'), <App />);
