// Fetch-on-render in nested components, as many React apps are written: each
// component fetches in its effect and renders its children only once its own data
// is there, so the child's effect runs (and fetches) only after the parent's answer.
// No child needs its parent's answer: a waterfall of three round trips.
import React, { useEffect, useState } from 'react';
import { mount } from './_app.jsx';

function useJson(url) {
  const [data, setData] = useState(null);
  useEffect(() => {
    let live = true;
    fetch(url)
      .then((r) => r.json())
      .then((d) => live && setData(d));
    return () => {
      live = false;
    };
  }, [url]);
  return data;
}

function Projects() {
  const projects = useJson('/api/libs/projects');
  if (!projects) return <p>Loading projects…</p>;
  window.pageLoaded = true;
  return <ul id="projects">{projects.map((p) => <li key={p.id}>{p.name}</li>)}</ul>;
}

function Org() {
  const org = useJson('/api/libs/session');
  if (!org) return <p>Loading organisation…</p>;
  return (
    <section>
      <h2>{org.org}</h2>
      <Projects />
    </section>
  );
}

function Page() {
  const session = useJson('/api/libs/me');
  if (!session) return <p>Loading…</p>;
  return (
    <main>
      <p>Signed in as {session.name}</p>
      <Org />
    </main>
  );
}

mount(() => <Page />);
