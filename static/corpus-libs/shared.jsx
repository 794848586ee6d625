// Near miss: three components read the same query key; React Query sends it once.
// The user then opens tabs at a human pace (each tab is its own query).
import React, { useState } from 'react';
import { QueryClient, QueryClientProvider, useQuery } from '@tanstack/react-query';
import { mount } from './_app.jsx';

const client = new QueryClient();
const get = (url) => fetch(url).then((r) => r.json());
const useMe = () => useQuery({ queryKey: ['me'], queryFn: () => get('/api/libs/me') }).data;

function Avatar() {
  const me = useMe();
  return <b>{me ? me.name : ''}</b>;
}
function Menu() {
  const me = useMe();
  return <i>{me ? me.name : ''}</i>;
}
function Tab({ name }) {
  const tab = useQuery({ queryKey: ['tab', name], queryFn: () => get(`/api/libs/tabs/${name}`) });
  return <div id="tab">{tab.data ? tab.data.name : ''}</div>;
}
function App() {
  const [name, setName] = useState('overview');
  window.openTab = setName;
  return (
    <div>
      <Avatar />
      <Menu />
      <Avatar />
      <Tab name={name} />
    </div>
  );
}

mount(() => (
  <QueryClientProvider client={client}>
    <App />
  </QueryClientProvider>
));
