// Runs inside the sandboxed frame (allow-scripts only: an opaque origin, and a
// CSP with no network): takes a component's JSX and CSS from the page,
// compiles it with sucrase, renders it with React 18, and tells the page when
// it painted or what went wrong (syntax, a forbidden import, a throw).
import React from 'react';
import { createRoot } from 'react-dom/client';
import { transform } from 'sucrase';

// The nonce that let this script run is the frame's one way to load a script
// (its CSP): cleared before any component's code could read it and load one.
document.currentScript.nonce = '';
document.currentScript.removeAttribute('nonce');

const root = createRoot(document.getElementById('root'));
const style = document.createElement('style');
document.head.appendChild(style);
let current = null; // the render message being shown

function report(message) {
  // The page checks the message's source; this frame's origin is opaque, so '*'.
  parent.postMessage({ ...message, id: current?.id }, '*');
}

class ImportRefused extends Error {
  constructor(module) {
    super(`import from "${module}": the preview provides only "react"`);
    this.module = module;
  }
}

class Boundary extends React.Component {
  constructor(props) {
    super(props);
    this.state = { failed: false };
  }
  static getDerivedStateFromError() {
    return { failed: true };
  }
  componentDidCatch(error, info) {
    report({ type: 'error', kind: 'render', message: String(error?.stack ?? error), componentStack: info?.componentStack ?? '' });
  }
  render() {
    return this.state.failed ? null : this.props.children;
  }
}

/** Mounted after the component, so its effect runs once the component committed; reports the next frame. */
function Painted() {
  React.useEffect(() => {
    requestAnimationFrame(() => report({ type: 'painted' }));
  }, []);
  return null;
}

function pickExport(exports, name) {
  if (typeof exports.default === 'function') return exports.default;
  if (typeof exports[name] === 'function') return exports[name];
  return Object.values(exports).find((v) => typeof v === 'function');
}

function show(message) {
  current = message;
  let code;
  try {
    code = transform(message.jsx, { transforms: ['jsx', 'imports'], production: true, filePath: `${message.name}.jsx` }).code;
  } catch (e) {
    const where = /\((\d+):(\d+)\)/.exec(e.message);
    return report({ type: 'error', kind: 'syntax', message: e.message, line: where ? Number(where[1]) : null });
  }
  const module = { exports: {} };
  const require = (name) => {
    if (name === 'react') return React;
    // The component's own stylesheet ("./Card.css"): its CSS is applied below.
    if (name.endsWith('.css')) return {};
    throw new ImportRefused(name);
  };
  try {
    new Function('React', 'require', 'module', 'exports', code)(React, require, module, module.exports);
  } catch (e) {
    if (e instanceof ImportRefused) return report({ type: 'error', kind: 'import', module: e.module, message: e.message });
    return report({ type: 'error', kind: 'render', message: String(e?.stack ?? e) });
  }
  const Component = pickExport(module.exports, message.name);
  if (!Component) return report({ type: 'error', kind: 'export', message: 'the code exports no component (export default function …)' });
  style.textContent = message.css ?? '';
  root.render(
    <Boundary key={message.id}>
      <Component />
      <Painted />
    </Boundary>,
  );
}

window.addEventListener('message', (event) => {
  if (event.source !== parent || event.data?.type !== 'render') return;
  show(event.data);
});
// An error outside rendering (an event handler, a timer).
window.addEventListener('error', (event) => report({ type: 'error', kind: 'runtime', message: String(event.error?.stack ?? event.message) }));
parent.postMessage({ type: 'ready' }, '*');
