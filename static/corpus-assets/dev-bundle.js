// Starts the two workers a real app of this kind starts: one from a blob: URL (what
// bundlers emit for inline workers) and one from its own script (PDF.js's worker).
// window.workersReady turns true once both have answered.
(function () {
  const answered = new Set();
  const done = (name) => {
    answered.add(name);
    document.getElementById('status').textContent = `workers answered: ${[...answered].join(', ')}`;
    if (answered.size === 2) window.workersReady = true;
  };
  const code = 'self.onmessage = (e) => self.postMessage({ pong: e.data });';
  const inline = new Worker(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
  inline.onmessage = () => done('blob');
  inline.postMessage('ping');
  const pdf = new Worker('/corpus-assets/build/pdf.worker.js');
  pdf.onmessage = () => done('pdf.worker');
  pdf.postMessage('ping');
})();
