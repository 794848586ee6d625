// Near miss: three components read the `Viewer` query (Apollo sends it once); the
// inbox marks everything read as it opens (a mutation) and refetches `Viewer` after
// it, as `refetchQueries` does: the second `Viewer` follows a write, it is not a copy.
import React, { useEffect } from 'react';
import { gql } from '@apollo/client';
import { useQuery, useMutation } from '@apollo/client/react';
import { mountWithApollo } from './_apollo.jsx';

const VIEWER = gql`query Viewer { viewer { id name unread } }`;
const MARK = gql`mutation MarkAllRead { markAllRead { ok } }`;

function Name() {
  const { data } = useQuery(VIEWER);
  return <b>{data ? data.viewer.name : ''}</b>;
}
function Count() {
  const { data } = useQuery(VIEWER);
  return <i>{data ? data.viewer.unread : ''}</i>;
}
function Inbox() {
  const { data } = useQuery(VIEWER);
  const [mark] = useMutation(MARK, { refetchQueries: ['Viewer'], awaitRefetchQueries: true });
  const loaded = Boolean(data);
  useEffect(() => {
    if (!loaded) return;
    mark().then(() => { window.inboxRead = true; });
  }, [loaded]);
  return <p>Inbox</p>;
}

mountWithApollo(() => (
  <>
    <Name />
    <Count />
    <Inbox />
  </>
));
