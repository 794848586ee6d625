// The control: the same inbox, well memoized (stable handler and style), so the
// rows render once; only the clock re-renders ten times a second, and paging is
// user-driven. Stormwatch must stay quiet here.
import React, { memo, useCallback, useEffect, useMemo, useState } from 'react';
import { mount } from 'stormwatch-mount';

function Message({ message, onSelect, style }) {
  return <li style={style} onClick={() => onSelect(message.id)}>{message.text}</li>;
}
const MemoMessage = memo(Message);

function Clock({ running }) {
  const [now, setNow] = useState(0);
  useEffect(() => {
    if (!running) return undefined;
    const id = setInterval(() => setNow((n) => n + 1), 100);
    return () => clearInterval(id);
  }, [running]);
  return <p>tick {now}</p>;
}

function Inbox() {
  const [running, setRunning] = useState(false);
  const [page, setPage] = useState(0);
  const [selected, setSelected] = useState(null);
  const messages = useMemo(() => Array.from({ length: 30 }, (_, i) => ({ id: page * 30 + i, text: `message ${page * 30 + i}` })), [page]);
  const onSelect = useCallback((id) => setSelected(id), []);
  const style = useMemo(() => ({ color: 'teal' }), []);
  return (
    <div>
      <button id="go" onClick={() => setRunning(true)}>Start the clock</button>
      <button id="stop" onClick={() => setRunning(false)}>Stop</button>
      <button id="next" onClick={() => setPage((p) => p + 1)}>Next page</button>
      <Clock running={running} />
      <p>page {page}, selected {String(selected)}</p>
      <ul>
        {messages.map((m) => <MemoMessage key={m.id} message={m} style={style} onSelect={onSelect} />)}
      </ul>
    </div>
  );
}

mount(document.getElementById('root'), <Inbox />);
