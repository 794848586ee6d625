// The same counter on a page where React DevTools installed its hook before
// Stormwatch did (the test injects rdt.js ahead of the extension).
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
