// SWR: the feed refreshes every 1.5 s (`refreshInterval`; SWR's 2 s dedupe makes it
// every 3 s), a polling loop; the near miss: three components read the profile's key
// and SWR sends it once.
import React from 'react';
import useSWR from 'swr';
import { mount } from './_app.jsx';

const get = (url) => fetch(url).then((r) => r.json());

function Profile() {
  const { data } = useSWR('/api/libs/me', get);
  return <b id="me">{data ? data.name : ''}</b>;
}
function Feed() {
  const { data } = useSWR('/api/libs/posts', get, { refreshInterval: 1500 });
  window.feedLoaded = Boolean(data);
  return <ul>{(data || []).slice(0, 3).map((p) => <li key={p.id}>{p.title}</li>)}</ul>;
}

mount(() => (
  <>
    <Profile />
    <Profile />
    <Feed />
    <Profile />
  </>
));
