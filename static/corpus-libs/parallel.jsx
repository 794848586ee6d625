// Near miss of dependent.jsx: the same three queries, none waiting for another
// (React Query runs them together), then the user opens two tabs of the page.
import React, { useState } from 'react';
import { QueryClient, QueryClientProvider, useQuery } from '@tanstack/react-query';
import { mount } from './_app.jsx';

const client = new QueryClient();
const get = (url) => fetch(url).then((r) => r.json());

function Workspace() {
  const [tab, setTab] = useState('overview');
  window.openTab = setTab;
  const session = useQuery({ queryKey: ['session'], queryFn: () => get('/api/libs/session') });
  const org = useQuery({ queryKey: ['org'], queryFn: () => get('/api/libs/orgs/acme-42') });
  const projects = useQuery({ queryKey: ['projects'], queryFn: () => get('/api/libs/projects?org=org_8f2k') });
  const panel = useQuery({ queryKey: ['tab', tab], queryFn: () => get(`/api/libs/tabs/${tab}`) });
  const done = session.data && org.data && projects.data && panel.data;
  if (done) window.workspaceLoaded = true;
  return <p id="state">{done ? `${tab}: ${projects.data.length} projects` : 'Loading…'}</p>;
}

mount(() => (
  <QueryClientProvider client={client}>
    <Workspace />
  </QueryClientProvider>
));
