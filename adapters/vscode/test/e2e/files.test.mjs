// End to end, in real VS Code (code-server): from the chat to real files
// (issue 17). A prompt sent with no session starts one; Apply to Files shows a
// diff first and writes <Name>.jsx and <Name>.css; a second version updates the
// same files; the history reads like a list of changes and restores into the
// files, undoably; a failed reply (a fake OpenAI API on 127.0.0.1, picked in
// the settings) shows why, with Retry; a selection is edited through a diff.
// Run by scripts/test.sh, with the environment e2e.test.mjs describes.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { startFakeOpenAi, waitFor } from './harness.mjs';
import { RpcClient } from './rpc.mjs';
import { TIMEOUT, Workbench } from './workbench.mjs';

const APP_JSX = "import React from 'react';\n\n// The AI Editor inserts the component below.\n";
const CARD = 'A pricing card with three tiers';
const BIGGER = 'Make it bigger';
const EDITED_LINE = '// Hello, reader: the component comes below.';

const ui = new Workbench('files');
const { dirs, env, server } = ui;
let page;
/** The session's component: what the server renders for version 1 and 2. */
let card;
/** The fake OpenAI API the provider setting points to, from the retry step on. */
let upstream;

/** What the extension's server stored, read by a server of our own over pipes on the same database. */
async function readStored(fn) {
  const rpc = await RpcClient.start(server, ['serve'], { env });
  try {
    return await fn(rpc);
  } finally {
    assert.equal(await rpc.close(), 0, 'our client server exits 0');
  }
}

/** Every file under the workspace's src/components, by name. */
function componentFiles() {
  return readdirSync(join(dirs.workspace, 'src', 'components')).sort();
}

describe('VS Code: from the chat to real files (code-server)', { timeout: 12 * TIMEOUT }, () => {
  before(async () => {
    // "Apply to Files" writes to src/components by default when the folder exists.
    await ui.start({ 'App.jsx': APP_JSX, 'src/components/': '' });
    page = ui.page;
  });

  after(async () => {
    await ui.stop();
    await upstream?.stop();
  });

  ui.step('a prompt sent with no session open starts a session, titled by the prompt', async () => {
    await ui.runCommand('AI Editor: Send Prompt');
    await ui.answerInput('AI Editor: Send Prompt', CARD);
    await ui.chat().locator('#session', { hasText: CARD }).waitFor({ state: 'visible' });
    await ui.completeReply(2);
    assert.equal(await ui.chat().locator('article.message').count(), 2, 'the prompt and its reply');
    const id = /^Session (session-[0-9a-f-]+)$/.exec((await ui.chat().locator('#session').getAttribute('title')) ?? '')?.[1];
    assert.ok(id, 'a generated session id');
    card = { sessionId: id };
  });

  ui.step('Apply to Files shows a diff first: Reject writes nothing, Accept writes <Name>.jsx and <Name>.css importing the CSS once', async () => {
    card.v1 = await readStored((rpc) => rpc.request('components/render', { sessionId: card.sessionId, target: 'files' }));
    assert.equal(card.v1.version, 1);
    const jsxFile = join(dirs.workspace, 'src', 'components', card.v1.jsxFileName);
    const cssFile = join(dirs.workspace, 'src', 'components', card.v1.cssFileName);

    const reply = ui.chat().locator('article.message.assistant').last();
    await reply.locator('button.apply').click();
    const diff = page.locator('.tabs-container .tab', { hasText: `(Apply ${card.v1.jsxFileName.replace(/\.jsx$/, '')} v1)` });
    await diff.first().waitFor({ state: 'visible' });
    await ui.editorAction('Reject Changes').click();
    await diff.first().waitFor({ state: 'detached' });
    assert.deepEqual(componentFiles(), [], 'Reject wrote nothing');

    await reply.locator('button.apply').click();
    await diff.first().waitFor({ state: 'visible' });
    // For a person to look at: the diff with Accept and Reject on its title bar.
    await page.locator('.part.editor .monaco-diff-editor .view-lines', { hasText: 'function' }).first().waitFor({ state: 'visible' });
    await ui.editorAction('Accept Changes').waitFor({ state: 'visible' });
    await ui.screenshot('apply-diff.png');
    await ui.editorAction('Accept Changes').click();
    await ui.toast('AI Editor: wrote version 1').waitFor({ state: 'visible' });
    await diff.first().waitFor({ state: 'detached' });
    assert.deepEqual(componentFiles(), [card.v1.cssFileName, card.v1.jsxFileName].sort());
    const jsx = readFileSync(jsxFile, 'utf8');
    assert.equal(jsx, card.v1.jsx);
    assert.equal(readFileSync(cssFile, 'utf8'), card.v1.css);
    const cssImport = `import "./${card.v1.cssFileName}";`;
    assert.equal(jsx.split('\n').filter((l) => l.trim() === cssImport).length, 1, `the CSS is imported once:\n${jsx}`);
    const { files } = await readStored((rpc) => rpc.request('components/files', { sessionId: card.sessionId, componentId: card.v1.componentId }));
    assert.deepEqual(files.map((f) => [f.path, f.kind, f.version]).sort(), [[cssFile, 'css', 1], [jsxFile, 'jsx', 1]]);
  });

  ui.step('a second version, applied again, updates the same files and makes no copies', async () => {
    await ui.typePrompt(BIGGER);
    const reply = await ui.completeReply(4);
    card.v2 = await readStored((rpc) => rpc.request('components/render', { sessionId: card.sessionId, target: 'files' }));
    assert.equal(card.v2.componentId, card.v1.componentId, 'the prompt iterated on the component');
    assert.equal(card.v2.version, 2);
    assert.notEqual(card.v2.jsx + card.v2.css, card.v1.jsx + card.v1.css, 'version 2 differs');
    // Diff on a code block: what this reply changed in the JSX.
    await reply.locator('.code[data-lang="jsx"] button.code-diff').first().click();
    const compared = page.locator('.tabs-container .tab', { hasText: 'the reply before ↔ this reply' });
    await compared.first().waitFor({ state: 'visible' });
    await ui.editorAction('Accept Changes').waitFor({ state: 'detached' }); // nothing to accept there
    await ui.runCommand('View: Close Editor');
    await compared.first().waitFor({ state: 'detached' });
    // The files hold version 1: the new version offers to update them, through the same diff.
    const offer = ui.toast(`version 2 of ${card.v1.jsxFileName.replace(/\.jsx$/, '')} is ready`);
    await offer.getByRole('button', { name: 'Review Update' }).click();
    await page.locator('.tabs-container .tab', { hasText: 'v2)' }).first().waitFor({ state: 'visible' });
    await ui.editorAction('Accept Changes').click();
    await ui.toast('AI Editor: wrote version 2').waitFor({ state: 'visible' });
    assert.deepEqual(componentFiles(), [card.v1.cssFileName, card.v1.jsxFileName].sort(), 'the same two files');
    assert.equal(readFileSync(join(dirs.workspace, 'src', 'components', card.v1.jsxFileName), 'utf8'), card.v2.jsx);
    assert.equal(readFileSync(join(dirs.workspace, 'src', 'components', card.v1.cssFileName), 'utf8'), card.v2.css);
  });

  ui.step('history (Ctrl+Alt+A H) reads number, time, origin and current; v1 shows its diff; Accept restores it into the files, and Undo reverts', async () => {
    const jsxFile = join(dirs.workspace, 'src', 'components', card.v1.jsxFileName);
    await page.locator('.part.editor').first().click();
    await page.keyboard.press('Control+Alt+a');
    await page.keyboard.press('h');
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'AI Editor: History of' }).waitFor({ state: 'visible' });
    const rows = page.locator('.quick-input-widget .monaco-list-row');
    await rows.first().filter({ hasText: 'v2 (current)' }).waitFor({ state: 'visible' });
    assert.match(await rows.nth(0).innerText(), /(just now|\d+ s ago|\d+ min ago) · "Make it bigger"/);
    assert.match(await rows.nth(1).innerText(), /v1[^]*(just now|\d+ s ago|\d+ min ago) · "A pricing card with three tiers"/);
    await ui.screenshot('history.png');
    await rows.nth(1).click();
    const diff = page.locator('.tabs-container .tab', { hasText: '(Restore v1 of' });
    await diff.first().waitFor({ state: 'visible' });
    await ui.editorAction('Accept Changes').click();
    await ui.toast('AI Editor: restored v1').waitFor({ state: 'visible' });
    await waitFor('the JSX file to hold version 1 again', () => readFileSync(jsxFile, 'utf8') === card.v1.jsx);
    const history = await readStored((rpc) => rpc.request('components/history', { sessionId: card.sessionId, componentId: card.v1.componentId }));
    const v3 = history.versions.at(-1);
    assert.deepEqual([v3.version, v3.origin, v3.current], [3, { kind: 'restored', fromVersion: 1 }, true]);
    // The restore was one edit in the file's editor: Undo takes it back.
    const editor = page.locator(`.editor-instance .monaco-editor[data-uri$="/${card.v1.jsxFileName}"]`);
    await editor.waitFor({ state: 'visible' });
    await editor.locator('.view-lines').click();
    await page.keyboard.press('Control+Z');
    await ui.save(editor, card.v1.jsxFileName);
    await waitFor('the JSX file back at version 2 after Undo', () => readFileSync(jsxFile, 'utf8') === card.v2.jsx);
  });

  ui.step('with the provider changed in settings the server restarts; a failed reply shows why with Retry, keeps the prompt, and Retry succeeds', async () => {
    const signup = 'A newsletter signup form';
    upstream = await startFakeOpenAi([
      { status: 400, error: 'The model is overloaded, try again' },
      {
        text: 'Here is `NewsletterSignup`.\n\n```jsx\nimport React from "react";\n\nexport default function NewsletterSignup() {\n  return <form className="newsletter"><input type="email" /><button>Subscribe</button></form>;\n}\n```\n\n```css\n.newsletter { display: flex; gap: 8px; }\n```\n',
      },
      // The two edits of a selection, below.
      { text: `Here is the line, changed:\n\n\`\`\`js\n${EDITED_LINE}\n\`\`\`\n` },
      { text: `Here is the line, changed:\n\n\`\`\`js\n${EDITED_LINE}\n\`\`\`\n` },
    ]);
    {
      // A hosted provider needs a key (the fake takes any).
      await ui.runCommand('AI Editor: Set API Key');
      await ui.answerInput('AI Editor: Set API Key', 'sk-e2e-fake-upstream-key-1234');
      await ui.toast('AI Editor: API key stored').waitFor({ state: 'visible' });
      await ui.setUserSettings({ 'aieditor.baseUrl': upstream.url, 'aieditor.provider': 'openai' });
      await waitFor('the server restarted with provider openai', () => /server ready: .*provider openai/.test(ui.logs()));
      await ui.typePrompt(signup);
      const error = ui.chat().locator('#error');
      await error.waitFor({ state: 'visible' });
      const shown = (await ui.chat().locator('#error-text').innerText()).trim();
      assert.match(shown, /^The AI reply failed: .*The model is overloaded, try again/);
      assert.doesNotMatch(shown, /params\.|[0-9a-f]{8}-[0-9a-f]{4}-|curl/i, 'plain words only');
      assert.equal(await ui.chat().locator('#prompt').inputValue(), signup, 'the prompt stays in its box');
      await ui.screenshot('chat-failed.png', true);
      await ui.chat().locator('#retry').click();
      const reply = await ui.completeReply(8);
      await reply.filter({ hasText: 'NewsletterSignup' }).waitFor({ state: 'visible' });
      await error.waitFor({ state: 'hidden' });
      assert.equal(await ui.chat().locator('#prompt').inputValue(), '', 'sent: the box is empty');
      assert.equal(upstream.requests.length, 2, 'one failed call, one retried');
      const asked = upstream.requests[1].body.messages.filter((m) => m.role === 'user').at(-1).content;
      assert.equal(asked, signup, 'Retry sent the same prompt');
      await ui.screenshot('chat-retried.png', true);
    }
  });

  ui.step('Edit Selection with AI shows the selection changed as a diff: Reject keeps the file, Accept changes only the selection', async () => {
    const file = join(dirs.workspace, 'App.jsx');
    const original = readFileSync(file, 'utf8');
    const line = '// The AI Editor inserts the component below.';
    assert.ok(original.includes(line), original);
    const selectLine = async () => {
      const editor = await ui.openFile('App.jsx');
      await editor.locator('.view-lines').click();
      await page.keyboard.press('Control+Home');
      const at = original.split('\n').indexOf(line);
      for (let i = 0; i < at; i++) await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Home');
      await page.keyboard.press('Shift+End');
      return editor;
    };
    const diff = page.locator('.tabs-container .tab', { hasText: '(Edit App.jsx with AI)' });
    await selectLine();
    await ui.runCommand('AI Editor: Edit Selection with AI');
    await ui.answerInput('AI Editor: Edit Selection with AI', 'Greet the reader instead');
    await diff.first().waitFor({ state: 'visible' });
    assert.match(upstream.requests.at(-1).body.messages.at(-1).content, /Greet the reader instead\n[^]*```jsx\n\/\/ The AI Editor inserts the component below\.\n```$/);
    await ui.editorAction('Reject Changes').click();
    await diff.first().waitFor({ state: 'detached' });
    assert.equal(readFileSync(file, 'utf8'), original, 'Reject changed nothing');

    const editor = await selectLine();
    await ui.runCommand('AI Editor: Edit Selection with AI');
    await ui.answerInput('AI Editor: Edit Selection with AI', 'Greet the reader instead');
    await diff.first().waitFor({ state: 'visible' });
    await ui.editorAction('Accept Changes').click();
    await diff.first().waitFor({ state: 'detached' });
    await page.locator('.tabs-container .tab.dirty', { hasText: 'App.jsx' }).waitFor({ state: 'visible' });
    await ui.save(editor, 'App.jsx');
    await waitFor('App.jsx with only the selected line changed', () => readFileSync(file, 'utf8') === original.replace(line, EDITED_LINE));
  });

  ui.step('Regenerate on a reply sends its prompt again, for a new reply', async () => {
    const before = upstream.requests.length;
    const asked = (r) => r.body.messages.filter((m) => m.role === 'user').at(-1).content;
    await ui.chat().locator('#messages > article:nth-of-type(12).assistant button.regenerate').click();
    await ui.completeReply(14);
    assert.equal(upstream.requests.length, before + 1);
    assert.match(asked(upstream.requests.at(-1)), /Greet the reader instead/);
    const prompt = (n) => ui.chat().locator(`#messages > article:nth-of-type(${n}).user .content`).innerText();
    assert.equal(await prompt(13), await prompt(11), 'the same prompt, sent again');
  });

  ui.step("the server's log lines keep their level: none of its info or warn lines is tagged [error]", async () => {
    const text = ui.logs();
    assert.match(text, /\[info\] aieditor: /, 'the server logs at info (AIEDITOR_LOG=info), shown as info');
    // Before: every stderr line was an error, e.g. "[error] aieditor info: ...".
    const mislabelled = text.split('\n').filter((l) => /\[error\] aieditor (info|warn|debug): /.test(l));
    assert.deepEqual(mislabelled, []);
  });

  ui.step("the chat's title bar has New Session, History and Export; Open Chat in Editor shows the same chat in an editor tab", async () => {
    // The container holds one view: its actions are on the side bar's title.
    const titleBar = page.locator('.part.sidebar .title-actions');
    await page.locator('.part.sidebar .title-label', { hasText: 'AI Editor' }).hover();
    for (const name of ['New Session', 'Show Component History', 'Export Session']) {
      await titleBar.locator(`.action-label[aria-label^="${name}"]`).waitFor({ state: 'visible' });
    }
    await titleBar.locator('.action-label[aria-label^="Show Component History"]').click();
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'AI Editor: History of' }).waitFor({ state: 'visible' });
    await page.keyboard.press('Escape');
    const messages = await ui.chat().locator('article.message').count(); // ui.chat() is the view's while it is the only one
    await ui.runCommand('AI Editor: Open Chat in Editor');
    await page.locator('.tabs-container .tab', { hasText: 'AI Editor Chat' }).waitFor({ state: 'visible' });
    // Webviews live outside the editor part; the editor tab's is the one made last.
    const inEditor = page
      .frameLocator('iframe.webview[src*="extensionId=aieditor.aieditor"]')
      .last()
      .frameLocator('iframe#active-frame');
    await inEditor.locator('#session', { hasText: CARD }).waitFor({ state: 'visible' });
    assert.equal(await inEditor.locator('article.message').count(), messages);
    await ui.screenshot('chat-in-editor.png');
  });

  ui.step('the chat view asked for nothing remote', async () => {
    const fromChat = ui.blocked.filter((b) => b.frames.some((f) => f.includes('extensionId=aieditor.aieditor')));
    assert.deepEqual(fromChat, [], 'requests from the chat webview that were blocked');
  });
});
