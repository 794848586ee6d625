// mixpanel-browser, the real SDK from npm, as an app sets it up: events tracked as
// the user works (an item viewed every 300 ms), queued by the SDK and sent to its
// host in batches every second by XMLHttpRequest. The near miss: a queue
// flushed on a timer is an upload, not a poll.
import React, { useEffect, useState } from 'react';
import mixpanel from 'mixpanel-browser';
import { mount } from './_app.jsx';

mixpanel.init('stormwatch-demo-token', {
  api_host: '/api/libs/mp',
  batch_requests: true,
  batch_flush_interval_ms: 1000,
  persistence: 'localStorage',
  track_pageview: false,
});

function Catalog() {
  const [viewed, setViewed] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => {
      setViewed((n) => {
        mixpanel.track('Item Viewed', { item: `sku-${(n * 37) % 500}`, list: 'catalog' });
        return n + 1;
      });
    }, 300);
    return () => clearInterval(timer);
  }, []);
  window.itemsViewed = viewed;
  return <p id="viewed">{viewed} items viewed</p>;
}

mount(() => <Catalog />);
