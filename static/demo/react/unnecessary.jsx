// Unnecessary renders: a memoized message row whose parent passes a new handler
// and a new style object on every render, so React.memo never skips it. The parent
// re-renders ten times a second (a clock), not fast enough to be a storm.
import React, { memo, useEffect, useState } from 'react';
import { mount } from 'stormwatch-mount';

function Message({ message, onSelect, style }) {
  return <li style={style} onClick={onSelect}>{message.text}</li>;
}
const MemoMessage = memo(Message);

function Inbox() {
  const [now, setNow] = useState(0);
  const [running, setRunning] = useState(false);
  const [selected, setSelected] = useState(null);
  const [messages] = useState(() => Array.from({ length: 30 }, (_, i) => ({ id: i, text: `message ${i}` })));
  useEffect(() => {
    if (!running) return undefined;
    const id = setInterval(() => setNow((n) => n + 1), 100);
    return () => clearInterval(id);
  }, [running]);
  return (
    <div>
      <button id="go" onClick={() => setRunning(true)}>Start the clock</button>
      <button id="stop" onClick={() => setRunning(false)}>Stop</button>
      <p>tick {now}, selected {String(selected)}</p>
      <ul>
        {messages.map((m) => (
          <MemoMessage key={m.id} message={m} style={{ color: 'teal' }} onSelect={() => setSelected(m.id)} />
        ))}
      </ul>
    </div>
  );
}

mount(document.getElementById('root'), <Inbox />);
