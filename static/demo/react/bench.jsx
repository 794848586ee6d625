// The overhead benchmark: a tree of 1,000 components re-rendered 200 times, each
// render committed synchronously. window.runBench() resolves to the milliseconds taken.
import React, { useState } from 'react';
import { flushSync } from 'react-dom';
import { mount } from 'stormwatch-mount';

function Leaf({ n, round }) {
  return <span>{(n * round) % 7}</span>;
}

function Group({ from, round }) {
  const leaves = [];
  for (let i = 0; i < 9; i++) leaves.push(<Leaf key={i} n={from + i} round={round} />);
  return <div>{leaves}</div>;
}

let rerender = null;
function Tree() {
  const [round, setRound] = useState(0);
  rerender = setRound;
  const groups = [];
  for (let g = 0; g < 100; g++) groups.push(<Group key={g} from={g * 9} round={round} />);
  return <section>{groups}</section>;
}

window.runBench = async (rounds = 200) => {
  const t0 = performance.now();
  for (let r = 1; r <= rounds; r++) flushSync(() => rerender(r));
  return performance.now() - t0;
};

mount(document.getElementById('root'), <Tree />);
