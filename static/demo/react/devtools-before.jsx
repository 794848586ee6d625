// The same counter on a page where React DevTools installed its hook before
// Stormwatch did (the test injects rdt.js ahead of the extension).
import React, { useState } from 'react';
import { mount } from 'stormwatch-mount';

// Each click adds an Item, so React DevTools has a tree change to send each time.
function Item({ n }) {
  return <li>item {n}</li>;
}

function Counter() {
  const [n, setN] = useState(0);
  return (
    <div>
      <button id="go" onClick={() => setN(n + 1)}>clicked {n}</button>
      <ul>{Array.from({ length: n }, (_, i) => <Item key={i} n={i} />)}</ul>
    </div>
  );
}

function App() {
  return <main><Counter /></main>;
}

mount(document.getElementById('root'), <App />);
