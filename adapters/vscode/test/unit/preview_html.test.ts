import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contentOrigin, httpOrigin, previewContentSecurityPolicy, previewHtml } from '../../src/preview_html';

test("the preview panel frames only the page's origin, with its own nonce'd style and script", () => {
  const url = 'http://127.0.0.1:8080/proxy/41233/3f9c/?session=demo&component=a';
  const html = previewHtml({ kind: 'page', url }, 'n0nce');
  const csp = previewContentSecurityPolicy('http://127.0.0.1:8080', 'n0nce');
  assert.equal(
    csp,
    "default-src 'none'; frame-src http://127.0.0.1:8080; style-src 'nonce-n0nce'; script-src 'nonce-n0nce'; form-action 'none'; base-uri 'none'",
  );
  assert.ok(html.includes(`content="${csp.replace(/'/g, '&#39;')}"`), html);
  assert.ok(
    html.includes('<iframe id="preview" src="http://127.0.0.1:8080/proxy/41233/3f9c/?session=demo&amp;component=a" sandbox="allow-scripts allow-same-origin"'),
    html,
  );
  assert.ok(html.includes('<p id="message" hidden></p>'));
  assert.ok(html.includes('<style nonce="n0nce">') && html.includes('<script nonce="n0nce">'));
  // The script takes no orders from the framed page or its frames.
  assert.ok(html.includes('insidePreview(event.source)'));
});

test('the preview panel shows a message, escaped, and frames nothing for it or for a non-http address', () => {
  const message = previewHtml({ kind: 'message', text: 'No <session> is open' }, 'n');
  assert.ok(message.includes('<p id="message">No &lt;session&gt; is open</p>'));
  assert.ok(message.includes('frame-src &#39;none&#39;'));
  assert.ok(message.includes('<iframe id="preview" hidden'));
  const odd = previewHtml({ kind: 'page', url: 'javascript:alert(1)' }, 'n');
  assert.ok(!odd.includes('src="javascript'));
  assert.ok(odd.includes('frame-src &#39;none&#39;'));
  assert.equal(httpOrigin('https://code.example/proxy/1/'), 'https://code.example');
  assert.equal(httpOrigin('not a url'), undefined);
  assert.equal(contentOrigin({ kind: 'page', url: 'http://127.0.0.1:9/s/?session=a' }), 'http://127.0.0.1:9');
  assert.equal(contentOrigin({ kind: 'message', text: 'x' }), undefined);
});
