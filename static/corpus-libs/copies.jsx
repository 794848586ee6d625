// Three components each load the current user with axios on mount, with no cache
// between them: real copies (3 in production), doubled by StrictMode in development.
import React, { useEffect, useState } from 'react';
import axios from 'axios';
import { mount } from './_app.jsx';

function useMe() {
  const [me, setMe] = useState(null);
  useEffect(() => {
    axios.get('/api/libs/me').then((r) => setMe(r.data));
  }, []);
  return me;
}
function Header() {
  const me = useMe();
  return <h2>{me ? me.name : ''}</h2>;
}
function Sidebar() {
  const me = useMe();
  return <aside>{me ? me.name : ''}</aside>;
}
function Footer() {
  const me = useMe();
  return <footer>{me ? me.name : ''}</footer>;
}

mount(() => (
  <div>
    <Header />
    <Sidebar />
    <Footer />
  </div>
));
