// What runs on every page of a real app besides its own requests: analytics
// beacons at irregular times (sendBeacon and fetch with keepalive), and a
// prefetch of a likely next page. None of it is the page's pattern.
(() => {
  // Irregular on purpose (no five gaps in a row, of all beacons or of either kind, are even).
  const gaps = [710, 90, 180, 1260, 1040, 730, 140, 100, 230, 90, 300, 390, 1040];
  let n = 0;
  let timer = 0;
  function beacon() {
    const event = JSON.stringify({ e: 'view', n, t: Date.now() });
    if (n % 2 === 0) navigator.sendBeacon('/api/collect', event);
    else fetch('/api/collect', { method: 'POST', body: event, keepalive: true }).catch(() => {});
    n += 1;
    timer = setTimeout(beacon, gaps[n % gaps.length]);
  }
  timer = setTimeout(beacon, gaps[0]);
  const prefetch = document.createElement('link');
  prefetch.rel = 'prefetch';
  prefetch.href = '/index.html';
  document.head.appendChild(prefetch);
  window.corpusBackground = { beacons: () => n, stop: () => clearTimeout(timer) };
})();
