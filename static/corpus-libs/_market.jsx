// A market feed as trading and dashboard apps have it: a zustand store that a
// socket-like feed updates 40 times a second, one price at a time, shown in a
// table of 120 rows. The two pages differ only in how a row reads the store.
import React, { useEffect } from 'react';
import { create } from 'zustand';

export const SYMBOLS = Array.from({ length: 120 }, (_, i) => `SYM${String(i).padStart(3, '0')}`);

export const useMarket = create((set) => ({
  prices: Object.fromEntries(SYMBOLS.map((s, i) => [s, 100 + i])),
  updates: 0,
  quote: (symbol, price) => set((s) => ({ prices: { ...s.prices, [symbol]: price }, updates: s.updates + 1 })),
}));

// The feed: 40 quotes a second for 3 s, as a WebSocket's messages would arrive.
export function startFeed() {
  let n = 0;
  const timer = setInterval(() => {
    const symbol = SYMBOLS[(n * 37) % SYMBOLS.length];
    useMarket.getState().quote(symbol, 100 + ((n * 13) % 50) / 4);
    if (++n >= 120) {
      clearInterval(timer);
      window.feedDone = true;
    }
  }, 25);
}

export function Table({ Row }) {
  useEffect(() => {
    window.marketShown = true;
  }, []);
  return (
    <table id="market">
      <tbody>{SYMBOLS.map((s) => <Row key={s} symbol={s} />)}</tbody>
    </table>
  );
}
