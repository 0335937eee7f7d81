// The page around the component's frame: follows a session over server-sent
// events, fetches the component it shows, hands it to the sandboxed frame,
// and shows what the frame reports: painted (recorded in
// window.__aieditorPainted for tests and the benchmark) or an overlay for a
// syntax error, a refused import or a throw, with the previous good render
// one click away. Query: session, component? (else the current one), version?
// (else the latest, followed).

const params = new URLSearchParams(location.search);
const sessionId = params.get('session');
const pinnedComponent = params.get('component');
let pinnedVersion = params.get('version') ? Number(params.get('version')) : null;

const $ = (id) => document.getElementById(id);
const frame = $('frame');
/** Each paint: {id, componentId, version, at (performance.now())}. */
window.__aieditorPainted = [];
/** Each event stream message's arrival: {at, data} (the benchmark's floor). */
window.__aieditorEvents = [];

let frameReady = false;
let queued = null; // a render message waiting for the frame
let shown = null; // the render message sent last
let lastGood = null; // the last one that painted
let renderId = 0;
let latestState = null;

function api(route, query) {
  const search = new URLSearchParams({ session: sessionId, ...query });
  return fetch(`api/${route}?${search}`).then(async (r) => {
    const body = await r.json();
    if (!r.ok) throw new Error(body.error ?? `HTTP ${r.status}`);
    return body;
  });
}

function status(text) {
  $('status').textContent = text;
}

function post(message) {
  shown = message;
  if (!frameReady) {
    queued = message;
    return;
  }
  frame.contentWindow.postMessage(message, '*');
}

function showOverlay(kind, title, message) {
  $('overlay').hidden = false;
  $('overlay').dataset.kind = kind;
  $('overlay-title').textContent = title;
  $('overlay-message').textContent = message;
  $('previous').hidden = !lastGood || lastGood.id === shown?.id;
  // After a throw outside rendering (a click, a timer) the component is still
  // there and running: the overlay can be put aside to go on using it.
  $('dismiss').hidden = kind !== 'runtime';
}

function hideOverlay() {
  $('overlay').hidden = true;
  delete $('overlay').dataset.kind;
}

/**
 * The version picker, newest first. A new version of the component listed
 * already is added from the event's number alone; the whole list is read
 * (api/versions) for another component, and again when the picker gets focus.
 * Reading every version on every update made each update slower than the last.
 */
async function fillVersions(componentId, version) {
  const select = $('versions');
  const latest = latestState?.components.find((c) => c.id === componentId)?.version;
  const listed = Math.max(0, ...Array.from(select.options, (o) => Number(o.value) || 0));
  if (select.dataset.componentId === componentId && latest && listed > 0) {
    for (let v = listed + 1; v <= latest; v++) select.add(new Option(`v${v}`, String(v)), 1);
  } else {
    await listVersions(componentId);
  }
  select.value = pinnedVersion ? String(version) : '';
}

/** Reads the component's versions and adds those not listed yet (all, for another component). */
async function listVersions(componentId) {
  const select = $('versions');
  const { versions } = await api('versions', { component: componentId });
  if (select.dataset.componentId !== componentId) {
    select.replaceChildren(new Option('latest (follows new versions)', ''));
    select.dataset.componentId = componentId;
  }
  const listed = new Set(Array.from(select.options, (o) => o.value));
  const missing = versions.filter((v) => !listed.has(String(v.version)));
  if (missing.length === 0) return;
  const value = select.value;
  const all = [...Array.from(select.options).slice(1).map((o) => Number(o.value)), ...missing.map((v) => v.version)];
  select.replaceChildren(new Option('latest (follows new versions)', ''), ...all.sort((a, b) => b - a).map((v) => new Option(`v${v}`, String(v))));
  select.value = value;
}

async function load(componentId, version) {
  const query = {};
  if (componentId) query.component = componentId;
  if (version) query.version = String(version);
  let component;
  try {
    ({ component } = await api('component', query));
  } catch (e) {
    status(e.message);
    return;
  }
  $('name').textContent = component.name;
  $('version').textContent = `v${component.version}`;
  document.title = `${component.name} v${component.version} · aieditor preview`;
  post({ type: 'render', id: ++renderId, componentId: component.id, version: component.version, name: component.name, jsx: component.jsx, css: component.css });
  fillPickerSoon(component.id, component.version);
}

// The version picker is filled once the frame answered (painted, or an
// overlay), so that reading the list is not in the way of the render; or
// after a second, should the frame not answer (a component that hangs: the
// picker is the way back to an older version).
let pickerFor = null;
let pickerTimer;
function fillPickerSoon(componentId, version) {
  pickerFor = { componentId, version };
  clearTimeout(pickerTimer);
  pickerTimer = setTimeout(fillPicker, 1000);
}
function fillPicker() {
  clearTimeout(pickerTimer);
  const wanted = pickerFor;
  pickerFor = null;
  if (wanted) fillVersions(wanted.componentId, wanted.version).catch((e) => status(e.message));
}

/** What the page should show for a session state: {componentId, version}, or null for nothing yet. */
function wanted(state) {
  const id = pinnedComponent ?? state.currentComponentId;
  if (!id) return null;
  const latest = state.components.find((c) => c.id === id);
  if (!latest) return null;
  return { componentId: id, version: pinnedVersion ?? latest.version };
}

function onState(state) {
  latestState = state;
  const want = wanted(state);
  if (!want) return status('no component in this session yet; waiting for one');
  status('');
  if (shown && shown.componentId === want.componentId && shown.version === want.version) return;
  load(want.componentId, want.version);
}

window.addEventListener('message', (event) => {
  if (event.source !== frame.contentWindow) return;
  const m = event.data ?? {};
  if (m.type === 'ready') {
    frameReady = true;
    if (queued) frame.contentWindow.postMessage(queued, '*');
    queued = null;
    return;
  }
  if (m.id !== shown?.id) return; // about a render since replaced
  fillPicker();
  if (m.type === 'painted') {
    lastGood = shown;
    hideOverlay();
    window.__aieditorPainted.push({ id: m.id, componentId: shown.componentId, version: shown.version, at: performance.now() });
    document.body.dataset.paintedVersion = String(shown.version);
  } else if (m.type === 'error') {
    const titles = {
      syntax: m.line ? `Syntax error on line ${m.line}` : 'Syntax error',
      import: `Cannot import "${m.module}"`,
      render: 'The component threw an error',
      runtime: 'The component threw an error',
      export: 'No component to show',
    };
    showOverlay(m.kind, titles[m.kind] ?? 'Error', m.message + (m.componentStack ? `\n${m.componentStack}` : ''));
  }
});

$('previous').addEventListener('click', () => {
  if (!lastGood) return;
  hideOverlay();
  const again = { ...lastGood, id: ++renderId };
  $('version').textContent = `v${again.version} (previous good render)`;
  post(again);
});

$('dismiss').addEventListener('click', hideOverlay);

$('versions').addEventListener('focus', () => {
  const componentId = $('versions').dataset.componentId;
  if (componentId) listVersions(componentId).catch((e) => status(e.message));
});

$('versions').addEventListener('change', () => {
  const value = $('versions').value;
  pinnedVersion = value ? Number(value) : null;
  const componentId = shown?.componentId ?? pinnedComponent;
  if (pinnedVersion) load(componentId, pinnedVersion);
  else if (latestState) onState(latestState);
});

if (!sessionId) {
  status('the URL names no session');
} else {
  const events = new EventSource(`events?${new URLSearchParams({ session: sessionId })}`);
  events.addEventListener('state', (event) => {
    window.__aieditorEvents.push({ at: performance.now(), data: event.data });
    onState(JSON.parse(event.data));
  });
  events.addEventListener('failed', (event) => status(JSON.parse(event.data).error ?? 'the server cannot read the session'));
  events.onerror = () => status('reconnecting to the editor server…');
  events.onopen = () => status('');
}
