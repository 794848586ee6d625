// React 17 has no createRoot: the legacy root API.
import ReactDOM from 'react-dom';

export function mount(element, node) {
  ReactDOM.render(node, element);
}
