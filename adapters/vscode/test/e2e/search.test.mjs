// End to end, in real VS Code (code-server): finding sessions again (issue
// 18). The database is filled first, over pipes, by a server of our own: 55
// short sessions, and an older one of 70 messages whose 6th holds a rare word.
// "Open Session…" lists them newest first, a page at a time ("Load more…"),
// and renames one from its row; "Search Chats…" finds the rare word as it is
// typed, and choosing the hit opens that session with the message (not in the
// newest page) scrolled to and highlighted; the chat's title renames the open
// session. Run by scripts/test.sh, with the environment e2e.test.mjs describes.

import assert from 'node:assert/strict';
import { after, before, describe } from 'node:test';
import { RpcClient } from './rpc.mjs';
import { TIMEOUT, Workbench } from './workbench.mjs';

const TRIP = 'trip-session';
const TRIP_TITLE = 'Island holiday';
const RENAMED = 'Island holiday, final';
const RETITLED = 'Island holiday, booked';
const TRIP_MESSAGES = 70;
/** The message with the rare word: the 6th of 70, so outside the newest page of 50. */
const FOUND = 'trip-05';
const FILLERS = 55;
/** A session whose reply made a component: what a component hit leads to. */
const FERRY = 'ferry-session';
let ferry;

const ui = new Workbench('search');
const { env, server } = ui;
let page;

/** A server of our own over pipes, on the database the extension's server uses. */
async function withServer(fn, extraEnv = {}) {
  const rpc = await RpcClient.start(server, ['serve'], { env: { ...env, ...extraEnv } });
  try {
    return await fn(rpc);
  } finally {
    assert.equal(await rpc.close(), 0, 'our client server exits 0');
  }
}

/** The title the server holds for a session. */
async function storedTitle(sessionId) {
  return withServer(async (rpc) => {
    const { sessions } = await rpc.request('session/list', { limit: 1000 });
    return sessions.find((s) => s.id === sessionId)?.title;
  });
}

const rows = () => page.locator('.quick-input-widget .monaco-list-row');
const pickTitle = (text) => page.locator('.quick-input-widget .quick-input-title', { hasText: text });

describe('VS Code: sessions, search and rename (code-server)', { timeout: 10 * TIMEOUT }, () => {
  before(async () => {
    // The trip is written first: the oldest session, on the second page of the list.
    await withServer(async (rpc) => {
      // The offline provider writes the component (no pause between its deltas here).
      await rpc.request('session/open', { sessionId: FERRY });
      const sent = await rpc.request('chat/send', { sessionId: FERRY, text: 'A ferry timetable card' });
      assert.ok(sent.component, 'the reply made a component');
      ferry = { reply: sent.assistantMessage.id, name: sent.component.name };
      await rpc.request('session/open', { sessionId: TRIP });
      for (let i = 0; i < TRIP_MESSAGES; i++) {
        const id = `trip-${String(i).padStart(2, '0')}`;
        const content = id === FOUND ? 'Book the zanzibar ferry before the pricing changes' : `Day ${i} of the itinerary: beaches and markets`;
        await rpc.request('messages/add', { sessionId: TRIP, message: { id, role: i % 2 === 0 ? 'user' : 'assistant', content } });
      }
      await rpc.request('session/rename', { sessionId: TRIP, title: TRIP_TITLE });
      for (let i = 0; i < FILLERS; i++) {
        const sessionId = `filler-${String(i).padStart(2, '0')}`;
        await rpc.request('session/open', { sessionId });
        await rpc.request('messages/add', { sessionId, message: { role: 'user', content: `Filler note ${i}` } });
        await rpc.request('session/rename', { sessionId, title: `Filler ${String(i).padStart(2, '0')}` });
      }
    }, { AIEDITOR_OFFLINE_DELAY_MS: '0' });
    await ui.start({ 'App.jsx': "import React from 'react';\n" });
    page = ui.page;
  });

  after(async () => {
    await ui.stop();
  });

  ui.step('Open Session… lists the sessions newest first with their counts, loads more at the end, and renames from a row', async () => {
    await ui.runCommand('AI Editor: Open Session…');
    await pickTitle('AI Editor: Open Session').waitFor({ state: 'visible' });
    await rows().first().filter({ hasText: 'New session' }).waitFor({ state: 'visible' });
    // Newest first: the last filler written leads.
    const newest = rows().nth(1);
    await newest.filter({ hasText: `Filler ${FILLERS - 1}` }).waitFor({ state: 'visible' });
    assert.match(await newest.innerText(), /(just now|\d+ s ago|\d+ min ago)[^]*1 message, 0 components · filler-54/);
    // One page of 50: the trip, the oldest, is not on it; "Load more…" shows whatever the filter.
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.fill(TRIP_TITLE);
    const more = rows().filter({ hasText: 'Load more…' });
    await more.waitFor({ state: 'visible' });
    assert.equal(await rows().filter({ hasText: TRIP_TITLE }).count(), 0, 'the trip is not on the first page');
    await more.click();
    const trip = rows().filter({ hasText: TRIP_TITLE });
    await trip.waitFor({ state: 'visible' });
    assert.match(await trip.innerText(), /70 messages, 0 components · trip-session/);
    assert.equal(await rows().filter({ hasText: 'Load more…' }).count(), 0, 'no more pages');

    // The row's rename button: the title changes on the server and in the row.
    await trip.hover();
    await trip.locator('.action-label[aria-label^="Rename"], .action-label[title^="Rename"]').first().click();
    await ui.answerInput('AI Editor: Rename Session', RENAMED);
    await pickTitle('AI Editor: Open Session').waitFor({ state: 'visible' });
    await input.fill(RENAMED);
    await rows().filter({ hasText: RENAMED }).waitFor({ state: 'visible' });
    assert.equal(await storedTitle(TRIP), RENAMED);
    await page.keyboard.press('Escape');
    await pickTitle('AI Editor: Open Session').waitFor({ state: 'hidden' });
  });

  ui.step('Search Chats… searches as you type and pages with Load more…', async () => {
    await ui.runCommand('AI Editor: Search Chats…');
    await pickTitle('AI Editor: Search Chats').waitFor({ state: 'visible' });
    const input = page.locator('.quick-input-widget .quick-input-box input');
    // Typed a key at a time, faster than the pause that sends a query.
    await input.pressSequentially('itinerary');
    await pickTitle('50 hits so far for itinerary').waitFor({ state: 'visible' });
    // The list is virtual: "Load more…", last, is reached with the keys (Up from the first wraps to it).
    await input.press('ArrowUp');
    await rows().filter({ hasText: 'Load more…' }).filter({ has: page.locator('.focused, [aria-selected="true"]') }).or(
      page.locator('.quick-input-widget .monaco-list-row.focused', { hasText: 'Load more…' }),
    ).first().waitFor({ state: 'visible' });
    await input.press('Enter');
    await pickTitle('69 hits for itinerary').waitFor({ state: 'visible' });

    await input.fill('');
    await input.pressSequentially('zanzib* ferry');
    await pickTitle('1 hit for zanzib* ferry').waitFor({ state: 'visible' });
    const hit = rows().first();
    const text = await hit.innerText();
    assert.match(text, new RegExp(`${RENAMED}`), 'the session title, renamed');
    assert.match(text, /(just now|\d+ s ago|\d+ min ago) · AI\n/);
    assert.match(text, /«zanzibar» «ferry»/, 'the snippet with its matches marked');
    // For a person to look at: the search pick with its hit.
    await ui.screenshot('search-pick.png');
  });

  ui.step('choosing a hit opens its session and scrolls to the message, highlighted, loading older pages', async () => {
    await rows().first().click();
    await pickTitle('AI Editor: Search Chats').waitFor({ state: 'hidden' });
    const chat = ui.chat();
    await chat.locator('#session', { hasText: RENAMED }).waitFor({ state: 'visible' });
    const found = chat.locator(`article.message.found[data-id="${FOUND}"]`);
    await found.waitFor({ state: 'visible' });
    await assertInView(found);
    assert.equal(await chat.locator('article.message.found').count(), 1, 'one message highlighted');
    assert.ok((await chat.locator('article.message').count()) > 50, 'older pages were loaded to reach it');
    await ui.screenshot('search-found.png');
  });

  ui.step("a component hit opens the reply that made that version", async () => {
    await ui.runCommand('AI Editor: Search Chats…');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.fill(ferry.name);
    const hit = rows().filter({ hasText: 'component v1' }).first();
    await hit.waitFor({ state: 'visible' });
    assert.match(await hit.innerText(), new RegExp(`«${ferry.name}»`));
    await hit.click();
    const chat = ui.chat();
    await chat.locator('#session', { hasText: 'A ferry timetable card' }).waitFor({ state: 'visible' });
    await chat.locator(`article.message.assistant.found[data-id="${ferry.reply}"]`).waitFor({ state: 'visible' });
    assert.equal(await chat.locator('article.message.found').count(), 1);
  });

  ui.step("the chat's title renames the open session", async () => {
    await ui.runCommand('AI Editor: Search Chats…');
    await page.locator('.quick-input-widget .quick-input-box input').fill('zanzibar');
    await rows().filter({ hasText: '«zanzibar»' }).first().click();
    await ui.chat().locator('#session', { hasText: RENAMED }).waitFor({ state: 'visible' });
    await ui.chat().locator('#session').click();
    await ui.answerInput('AI Editor: Rename Session', RETITLED);
    await ui.chat().locator('#session', { hasText: RETITLED }).waitFor({ state: 'visible' });
    assert.equal(await storedTitle(TRIP), RETITLED);
    // And from the command palette (the chat's … menu runs the same command).
    await ui.runCommand('AI Editor: Rename Session…');
    await ui.answerInput('AI Editor: Rename Session', TRIP_TITLE);
    await ui.chat().locator('#session', { hasText: new RegExp(`^${TRIP_TITLE}$`) }).waitFor({ state: 'visible' });
    assert.equal(await storedTitle(TRIP), TRIP_TITLE);
  });
});

/** The element is inside its scrolling container's visible part. */
async function assertInView(locator) {
  const box = await locator.evaluate((el) => {
    const log = el.closest('.log') ?? document.scrollingElement;
    const a = el.getBoundingClientRect();
    const b = log.getBoundingClientRect();
    return { top: a.top, bottom: a.bottom, viewTop: b.top, viewBottom: b.bottom };
  });
  assert.ok(box.bottom > box.viewTop && box.top < box.viewBottom, `in view: ${JSON.stringify(box)}`);
}
