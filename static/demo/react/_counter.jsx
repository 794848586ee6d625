// The counter both React DevTools pages render (a module, not a page of its own:
// scripts/build-react.mjs skips files starting with "_"). Each click adds an Item,
// so React DevTools has a tree change to send each time.
import React, { useState } from 'react';
import { mount } from 'stormwatch-mount';

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

export function start() {
  mount(document.getElementById('root'), <App />);
}
