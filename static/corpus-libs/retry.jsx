// axios with a retry interceptor that backs off (300, 600, 1200… ms) on 503, in an
// effect that StrictMode runs twice: two chains of retries at once, until the
// server answers (`?fail=` failures first, counted per key by the demo server; each
// load takes a key of its own, so every visit starts with failures). The server takes
// 250 ms to answer, as a real one does, so StrictMode's second request is under way
// before the first fails.
import React, { useEffect, useState } from 'react';
import axios from 'axios';
import { mount } from './_app.jsx';

const api = axios.create();
api.interceptors.response.use(null, async (error) => {
  const config = error.config;
  config.attempt = (config.attempt || 0) + 1;
  if (config.attempt > 6 || error.response?.status !== 503) throw error;
  await new Promise((resolve) => setTimeout(resolve, 150 * 2 ** config.attempt));
  return api(config);
});

const key = `report-${Math.random().toString(36).slice(2, 10)}`;

function Report() {
  const [state, setState] = useState('loading');
  useEffect(() => {
    let live = true;
    api.get(`/api/flaky?key=${key}&fail=5&ms=250`).then(
      () => live && setState('ok'),
      () => live && setState('failed'),
    );
    return () => {
      live = false;
    };
  }, []);
  if (state !== 'loading') window.reportState = state;
  return <p id="state">{state}</p>;
}

mount(Report);
