// axios with a refresh-token interceptor, as apps with short-lived access tokens
// have: the account request answers 401 (the token in memory expired), the
// interceptor renews the token (POST /api/libs/auth/refresh) and asks again with the
// new one. The near miss: the second account request is no duplicate.
import React, { useEffect, useState } from 'react';
import axios from 'axios';
import { mount } from './_app.jsx';

let token = 'expired';
const api = axios.create();
api.interceptors.request.use((config) => {
  config.headers.Authorization = `Bearer ${token}`;
  return config;
});
api.interceptors.response.use(null, async (error) => {
  const config = error.config;
  if (error.response?.status !== 401 || config.renewed) throw error;
  config.renewed = true;
  token = (await axios.post('/api/libs/auth/refresh', { grant: 'refresh_token' })).data.token;
  return api(config);
});

function Account() {
  const [name, setName] = useState('');
  useEffect(() => {
    const ctl = new AbortController();
    api.get('/api/libs/account', { signal: ctl.signal }).then(
      (r) => {
        setName(r.data.name);
        window.accountShown = true;
      },
      () => {},
    );
    return () => ctl.abort();
  }, []);
  return <p id="account">{name}</p>;
}

mount(Account);
