// The vendor chunk loaded above defines 12,000 helpers nobody calls on this page.
document.getElementById('out').textContent = typeof helper1 === 'function' ? 'vendor chunk loaded' : 'vendor chunk missing';
