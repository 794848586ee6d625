// Apollo Client: an unread badge polls its query every second (`pollInterval`) on
// the inbox route; leaving the route (history.pushState, as a router does) unmounts
// it and Apollo stops the poll. A polling loop while the badge is shown, and, the
// near miss, not one that "keeps going after a route change".
import React, { useState } from 'react';
import { gql } from '@apollo/client';
import { useQuery } from '@apollo/client/react';
import { mountWithApollo } from './_apollo.jsx';

const UNREAD = gql`query Unread { unread { id count } }`;

function Badge() {
  const { data } = useQuery(UNREAD, { pollInterval: 1000 });
  return <b id="badge">{data ? data.unread.count : ''}</b>;
}
function App() {
  const [route, setRoute] = useState(location.pathname);
  window.go = (to) => {
    history.pushState(null, '', to);
    setRoute(to);
  };
  return route.endsWith('/settings') ? <p>Settings</p> : <div>Inbox <Badge /></div>;
}

mountWithApollo(App);
