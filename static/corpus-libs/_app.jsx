// What every page of this corpus shares: React 18 in development with StrictMode, as
// `npm run dev` serves an app, and the background traffic a real app has around its
// own requests (analytics beacons at an irregular pace, an error reporter's envelope).
import React from 'react';
import { createRoot } from 'react-dom/client';

function background() {
  let n = 0;
  const beacon = () => {
    navigator.sendBeacon('/api/collect', JSON.stringify({ event: 'heartbeat', n: n++ }));
    setTimeout(beacon, 2200 + Math.random() * 1500);
  };
  setTimeout(beacon, 400);
  setTimeout(() => fetch('/api/libs/envelope', { method: 'POST', body: '{"sdk":"browser","event":"session"}' }), 1200);
}

export function mount(App) {
  background();
  createRoot(document.getElementById('root')).render(
    <React.StrictMode>
      <App />
    </React.StrictMode>,
  );
}
