// A product grid: the list, then every product by its slug, all at once.
const out = document.getElementById('out');
async function load() {
  const { products } = await fetch('/api/products').then((r) => r.json());
  const details = await Promise.all(products.map((p) => fetch(`/api/products/${p.slug}`).then((r) => r.json())));
  out.textContent = details.map((d) => `${d.name}: ${d.price}`).join('\n');
}
document.getElementById('load').addEventListener('click', load);
