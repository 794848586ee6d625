// A re-render storm: a ticker that sets state on every animation frame while it
// runs, re-rendering itself and twenty rows that do not depend on it.
import React, { useEffect, useState } from 'react';
import { mount } from 'stormwatch-mount';

function Row({ label }) {
  return <li>{label}</li>;
}

function Ticker() {
  const [running, setRunning] = useState(false);
  const [frame, setFrame] = useState(0);
  useEffect(() => {
    if (!running) return undefined;
    let id = requestAnimationFrame(function tick() {
      setFrame((f) => f + 1);
      id = requestAnimationFrame(tick);
    });
    return () => cancelAnimationFrame(id);
  }, [running]);
  return (
    <div>
      <button id="go" onClick={() => setRunning(true)}>Start the ticker</button>
      <button id="stop" onClick={() => setRunning(false)}>Stop</button>
      <p id="frame">frame {frame}</p>
      <ul>{Array.from({ length: 20 }, (_, i) => <Row key={i} label={`row ${i}`} />)}</ul>
    </div>
  );
}

// A second, quiet root on the same page: counted on its own.
function Status() {
  return <p>status: ok</p>;
}

mount(document.getElementById('root'), <Ticker />);
const second = document.createElement('div');
document.body.append(second);
mount(second, <Status />);
