// React Query's `useSuspenseQuery` in nested components: the board suspends on its
// query, and only when it renders does its column list mount and suspend on its own,
// then the cards. No child needs its parent's answer: a Suspense waterfall, three
// round trips where one would do (prefetch them together, or lift the queries).
import React, { Suspense } from 'react';
import { QueryClient, QueryClientProvider, useSuspenseQuery } from '@tanstack/react-query';
import { mount } from './_app.jsx';

const client = new QueryClient();
const get = (url) => fetch(url).then((r) => r.json());

function Cards() {
  const { data } = useSuspenseQuery({ queryKey: ['projects'], queryFn: () => get('/api/libs/projects') });
  window.boardLoaded = true;
  return <ul id="cards">{data.map((p) => <li key={p.id}>{p.name}</li>)}</ul>;
}

function Columns() {
  const { data } = useSuspenseQuery({ queryKey: ['session'], queryFn: () => get('/api/libs/session') });
  return (
    <section>
      <h2>{data.org}</h2>
      <Suspense fallback={<p>Loading cards…</p>}>
        <Cards />
      </Suspense>
    </section>
  );
}

function Board() {
  const { data } = useSuspenseQuery({ queryKey: ['me'], queryFn: () => get('/api/libs/me') });
  return (
    <main>
      <p>Signed in as {data.name}</p>
      <Suspense fallback={<p>Loading columns…</p>}>
        <Columns />
      </Suspense>
    </main>
  );
}

mount(() => (
  <QueryClientProvider client={client}>
    <Suspense fallback={<p>Loading board…</p>}>
      <Board />
    </Suspense>
  </QueryClientProvider>
));
