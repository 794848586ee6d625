// React 18 and 19: a concurrent root.
import { createRoot } from 'react-dom/client';

export function mount(element, node) {
  createRoot(element).render(node);
}
