import assert from 'node:assert/strict';
import { test } from 'node:test';
import { contextBlock, editSelectionPrompt, fenceLanguage, replyCode } from '../../src/edit_prompt';

test('the edit prompt holds the instruction, then the selected code in a block of its language', () => {
  const p = editSelectionPrompt(' Say hello \n', 'App.jsx', 'javascriptreact', 'const a = 1;');
  assert.match(p, /^Say hello\n\n/);
  assert.match(p, /selected in `App.jsx`/);
  assert.match(p, /```jsx\nconst a = 1;\n```$/);
  assert.equal(fenceLanguage('css'), 'css');
  assert.equal(fenceLanguage('typescriptreact'), 'tsx');
});

test('the reply code is its first closed block in the file language, else its first closed block', () => {
  assert.equal(replyCode('a\n```css\n.x{}\n```\n```jsx\nconst b = 2;\n```', 'javascriptreact'), 'const b = 2;');
  assert.equal(replyCode('```js\nlet c;\n```', 'css'), 'let c;');
  assert.equal(replyCode('no code', 'css'), undefined);
  assert.equal(replyCode('```jsx\nopen', 'javascriptreact'), undefined);
});

test('context blocks name the file, and whether it is the whole file', () => {
  assert.equal(contextBlock('a.css', 'css', '.x {}', true), 'In `a.css`:\n\n```css\n.x {}\n```\n');
  assert.match(contextBlock('App.jsx', 'javascriptreact', 'x', false), /^In this code from `App.jsx`:\n\n```jsx\n/);
});
