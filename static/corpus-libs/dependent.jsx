// React Query's dependent queries: the session names the organisation, the
// organisation's answer names its id, and projects and team wait for it
// (`enabled: !!…`). Each query is sent by React Query's scheduler, not awaited in
// one function: only the ids carried from answer to URL tie the chain together.
import React from 'react';
import { QueryClient, QueryClientProvider, useQuery } from '@tanstack/react-query';
import { mount } from './_app.jsx';

const client = new QueryClient();
const get = (url) => fetch(url).then((r) => r.json());

function Workspace() {
  const session = useQuery({ queryKey: ['session'], queryFn: () => get('/api/libs/session') });
  const org = useQuery({
    queryKey: ['org', session.data?.org],
    enabled: !!session.data,
    queryFn: () => get(`/api/libs/orgs/${session.data.org}`),
  });
  const projects = useQuery({
    queryKey: ['projects', org.data?.id],
    enabled: !!org.data,
    queryFn: () => get(`/api/libs/projects?org=${org.data.id}`),
  });
  const done = projects.data !== undefined;
  if (done) window.workspaceLoaded = true;
  return <p id="state">{done ? `${projects.data.length} projects in ${org.data.name}` : 'Loading…'}</p>;
}

mount(() => (
  <QueryClientProvider client={client}>
    <Workspace />
  </QueryClientProvider>
));
