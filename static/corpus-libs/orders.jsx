// An orders screen as many React apps write one: the parent shows a clock ("updated
// 3 s ago") that re-renders it every second, and the list fetches in an effect that
// depends on its filters. `?mode=` picks how the filters are made:
// - `ticker`: the parent passes `filters={{ status }}` inline, a new object with the
//   same content each tick, so the list refetches every second;
// - `loop`: the list builds `{ status, page }` itself and stores each answer in state:
//   the answer's render builds a new object, which refetches, which renders... a loop;
// - `derive`: a totals panel keeps the open orders in state, set by an effect from
//   the `orders` array the parent rebuilds (same content) on every tick: a render
//   more each second;
// - `nodeps`: the list fetches in an effect that forgot its dependency array and
//   stores each answer: every render fetches, every answer renders, a loop;
// - `memo` (the near miss): the same screen with the filters made by useMemo, a
//   search box whose real changes refetch, a React Query query with inline
//   options in the ticking component (its own effect re-runs each tick and sends
//   nothing), the totals panel fed a memoized array, and an effect without a
//   dependency array that keeps the document's title (it sends nothing).
import React, { useEffect, useMemo, useState } from 'react';
import { QueryClient, QueryClientProvider, useQuery } from '@tanstack/react-query';
import { mount } from './_app.jsx';

const mode = new URLSearchParams(location.search).get('mode') || 'ticker';
window.ordersFetched = 0;

function load(filters, query) {
  window.ordersFetched++;
  const q = new URLSearchParams({ status: filters.status, page: String(filters.page || 1) });
  if (query) q.set('q', query);
  return fetch(`/api/libs/orders?${q}`).then((r) => r.json());
}

function OrderList({ filters, query }) {
  const [orders, setOrders] = useState([]);
  useEffect(() => {
    let live = true;
    load(filters, query).then((d) => {
      // Only a different list re-renders (the same ids keep the old array).
      if (live) setOrders((old) => (old.length === d.length && old.every((o, i) => o.id === d[i].id) ? old : d));
    });
    return () => {
      live = false;
    };
  }, [filters, query]);
  return <ul id="orders">{orders.map((o) => <li key={o.id}>{o.id}</li>)}</ul>;
}

function LoopingList({ status }) {
  const [orders, setOrders] = useState([]);
  const filters = { status, page: 1 };
  useEffect(() => {
    if (window.ordersFetched > 60) return; // the test has seen enough; spare the machine
    load(filters).then(setOrders);
  }, [filters]);
  return <ul id="orders">{orders.map((o) => <li key={o.id}>{o.id}</li>)}</ul>;
}

function NoDepsList() {
  const [orders, setOrders] = useState([]);
  useEffect(() => {
    if (window.ordersFetched > 60) return; // the test has seen enough; spare the machine
    load({ status: 'open' }).then(setOrders);
  });
  return <ul id="orders">{orders.map((o) => <li key={o.id}>{o.id}</li>)}</ul>;
}

function Totals({ orders }) {
  const [open, setOpen] = useState([]);
  useEffect(() => {
    setOpen(orders.filter((o) => o.status === 'open'));
  }, [orders]);
  return <p id="totals">{open.length} open</p>;
}

const ORDERS = [{ id: 'ord_1', status: 'open' }, { id: 'ord_2', status: 'shipped' }, { id: 'ord_3', status: 'open' }];

function Summary() {
  // Inline options: a new object (and queryFn) each render, as React Query's docs write them.
  const { data } = useQuery({ queryKey: ['summary'], queryFn: () => fetch('/api/libs/me').then((r) => r.json()) });
  return <p id="summary">{data ? data.name : '…'}</p>;
}

function Orders() {
  const [now, setNow] = useState(Date.now());
  const [query, setQuery] = useState('');
  const status = 'open';
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const filters = useMemo(() => ({ status }), [status]);
  const orders = useMemo(() => ORDERS.map((o) => ({ ...o })), []);
  window.typeQuery = (q) => setQuery(q);
  useEffect(() => {
    if (mode === 'memo') document.title = `Orders · ${new Date(now).toLocaleTimeString()}`;
  });
  return (
    <main>
      <p>Updated {new Date(now).toLocaleTimeString()}</p>
      {mode === 'ticker' && <OrderList filters={{ status }} />}
      {mode === 'loop' && <LoopingList status={status} />}
      {mode === 'nodeps' && <NoDepsList />}
      {mode === 'derive' && <Totals orders={ORDERS.map((o) => ({ ...o }))} />}
      {mode === 'memo' && (
        <>
          <Summary />
          <input id="q" value={query} onChange={(e) => setQuery(e.target.value)} />
          <OrderList filters={filters} query={query} />
          <Totals orders={orders} />
        </>
      )}
    </main>
  );
}

const client = new QueryClient();
mount(() => (
  <QueryClientProvider client={client}>
    <Orders />
  </QueryClientProvider>
));
