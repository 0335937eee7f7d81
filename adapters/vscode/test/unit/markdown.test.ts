import assert from 'node:assert/strict';
import { test } from 'node:test';
import { codeOfKind, escapeHtml, extractCodeBlocks, kindForDocument, renderInline, renderMarkdown } from '../../src/markdown';

const reply = [
  'Here is **Counter**:',
  '',
  '```jsx',
  'export default function Counter() {',
  '  return <button className="counter">0</button>;',
  '}',
  '```',
  '',
  'And its style:',
  '',
  '```css',
  '.counter { color: red; }',
  '```',
].join('\n');

test('escapeHtml escapes the five HTML characters', () => {
  assert.equal(escapeHtml(`<a href="x" title='y'>&</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
});

test('extractCodeBlocks finds fenced blocks with their language', () => {
  assert.deepEqual(extractCodeBlocks(reply), [
    {
      lang: 'jsx',
      code: 'export default function Counter() {\n  return <button className="counter">0</button>;\n}',
      closed: true,
    },
    { lang: 'css', code: '.counter { color: red; }', closed: true },
  ]);
});

test('an open fence (mid-stream) is a block that is not closed', () => {
  assert.deepEqual(extractCodeBlocks('text\n~~~CSS\na {'), [{ lang: 'css', code: 'a {', closed: false }]);
  // A shorter fence does not close a longer one.
  assert.deepEqual(extractCodeBlocks('````md\n```\ninner\n```\n````'), [{ lang: 'md', code: '```\ninner\n```', closed: true }]);
});

test('codeOfKind picks JSX and CSS blocks, only closed ones', () => {
  assert.equal(codeOfKind(reply, 'jsx'), 'export default function Counter() {\n  return <button className="counter">0</button>;\n}');
  assert.equal(codeOfKind(reply, 'css'), '.counter { color: red; }');
  assert.equal(codeOfKind('```tsx\nA\n```\n```js\nB\n```', 'jsx'), 'A\n\nB');
  assert.equal(codeOfKind('no code here', 'jsx'), undefined);
  assert.equal(codeOfKind('```jsx\nhalf', 'jsx'), undefined);
  assert.equal(codeOfKind('```python\nx\n```', 'jsx'), undefined);
});

test('kindForDocument tells CSS files from the rest', () => {
  assert.equal(kindForDocument('css', '/a/b.css'), 'css');
  assert.equal(kindForDocument('scss', '/a/b.scss'), 'css');
  assert.equal(kindForDocument('plaintext', '/a/b.less'), 'css');
  assert.equal(kindForDocument('javascriptreact', '/a/App.jsx'), 'jsx');
  assert.equal(kindForDocument('typescriptreact', '/a/App.tsx'), 'jsx');
  assert.equal(kindForDocument('plaintext', '/a/notes.txt'), 'jsx');
});

test('code blocks render escaped, with their language', () => {
  const html = renderMarkdown(reply);
  assert.match(html, /<p>Here is <strong>Counter<\/strong>:<\/p>/);
  assert.match(
    html,
    /<pre class="code-block" data-lang="jsx"><code class="language-jsx">export default function Counter\(\) \{\n  return &lt;button className=&quot;counter&quot;&gt;0&lt;\/button&gt;;\n\}<\/code><\/pre>/,
  );
  assert.match(html, /<code class="language-css">\.counter \{ color: red; \}<\/code>/);
});

test('an open fence renders as code to the end', () => {
  assert.equal(renderMarkdown('```jsx\n<div>'), '<pre class="code-block" data-lang="jsx"><code class="language-jsx">&lt;div&gt;</code></pre>');
});

test('raw HTML is shown as text, never rendered', () => {
  const html = renderMarkdown('<img src=x onerror=alert(1)> <script>alert(1)</script>');
  assert.ok(!html.includes('<img'));
  assert.ok(!html.includes('<script'));
  assert.match(html, /&lt;script&gt;/);
});

test('headings, lists and line breaks', () => {
  assert.equal(renderMarkdown('# Title #'), '<h1>Title</h1>');
  assert.equal(renderMarkdown('### Sub'), '<h3>Sub</h3>');
  assert.equal(renderMarkdown('- a\n- b\n  c'), '<ul><li>a</li><li>b c</li></ul>');
  assert.equal(renderMarkdown('1. one\n2) two'), '<ol><li>one</li><li>two</li></ol>');
  assert.equal(renderMarkdown('- a\n1. b'), '<ul><li>a</li></ul>\n<ol><li>b</li></ol>');
  assert.equal(renderMarkdown('line one\nline two\n\nnext'), '<p>line one<br>line two</p>\n<p>next</p>');
  assert.equal(renderMarkdown(''), '');
});

test('inline code is literal; emphasis and links are rendered', () => {
  assert.equal(renderInline('use `**not bold** <b>` here'), 'use <code>**not bold** &lt;b&gt;</code> here');
  assert.equal(renderInline('*it* and _it_ and **b** and __b__'), '<em>it</em> and <em>it</em> and <strong>b</strong> and <strong>b</strong>');
  assert.equal(renderInline('snake_case_name stays'), 'snake_case_name stays');
  assert.equal(renderInline('2 * 3 * 4'), '2 * 3 * 4');
  assert.equal(renderInline('[docs](https://example.com/a?b=1&c=2)'), '<a href="https://example.com/a?b=1&amp;c=2">docs</a>');
});

test('only http(s) links become anchors', () => {
  assert.doesNotMatch(renderInline('[x](javascript:alert(1))'), /<a|href/);
  assert.equal(renderInline('[x](file:///etc/passwd)'), 'x');
  assert.equal(renderInline('[x](data:text/html,hi)'), 'x');
});

test('in replies, code collapses to its name and line count, with Show, Copy, Diff and Apply', () => {
  const reply = 'Here:\n\n```jsx\nexport default function PricingCard() {\n  return <div />;\n}\n```\n\n```css\n.a {}\n```\n\n```sh\nls\n```\n\n```jsx\nfunction Open(';
  const html = renderMarkdown(reply, { codeActions: true });
  const heads = [...html.matchAll(/<div class="code" data-index="(\d+)"(?: data-lang="(\w+)")?><div class="code-head"><span class="code-name">([^<]*)<\/span>(.*?)<\/div><pre class="code-block hidden"/g)];
  assert.deepEqual(
    heads.map((m) => [m[1], m[2], m[3], [...m[4].matchAll(/data-code="(\w+)"/g)].map((b) => b[1]).join(',')]),
    [
      ['0', 'jsx', 'PricingCard.jsx · 3 lines', 'show,copy,diff,apply'],
      ['1', 'css', 'CSS · 1 line', 'show,copy,diff,apply'],
      ['2', 'sh', 'SH · 1 line', 'show,copy,diff'],
      ['3', 'jsx', 'Open.jsx · 1 line…', 'show'],
    ],
  );
  assert.equal(extractCodeBlocks(reply).length, 4, 'the same numbering as extractCodeBlocks');
  assert.match(html, /&lt;div \/&gt;/, 'the code is escaped');
});
