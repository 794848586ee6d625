// React StrictMode in development mounts, unmounts and mounts again, so every
// effect runs twice. A profile that fetches in an effect: one aborts the first
// fetch in its cleanup (the correct pattern: one request counts), one does not
// (two identical requests in development, one in production).
import React, { StrictMode, useEffect, useState } from 'react';
import { mount } from 'stormwatch-mount';

function Profile({ abort }) {
  const [user, setUser] = useState(null);
  useEffect(() => {
    const controller = abort ? new AbortController() : null;
    fetch(`/api/profile?variant=${abort ? 'abort' : 'plain'}`, controller ? { signal: controller.signal } : undefined)
      .then((r) => r.json())
      .then(setUser)
      .catch((e) => {
        if (e.name !== 'AbortError') throw e;
      });
    return () => controller?.abort();
  }, [abort]);
  return <p className="profile">{user ? `${abort ? 'with' : 'without'} abort: ${user.name}` : 'loading…'}</p>;
}

function App() {
  const [shown, setShown] = useState([]);
  return (
    <div>
      <button id="mount-abort" onClick={() => setShown((s) => [...s, true])}>Mount with abort</button>
      <button id="mount-plain" onClick={() => setShown((s) => [...s, false])}>Mount without abort</button>
      {shown.map((abort, i) => <Profile key={i} abort={abort} />)}
    </div>
  );
}

mount(document.getElementById('root'), <StrictMode><App /></StrictMode>);
