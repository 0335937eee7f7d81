-- The session browser (:AIEditorSessions through vim.ui.select, paged),
-- :AIEditorSearch into the quickfix list with :cc opening the chat at the
-- hit, hostile queries, and :AIEditorRename; against the real server, on a
-- database of this spec's own.
local ai = require("aieditor")
local session = require("aieditor.session")
local chat = require("aieditor.chat")

ai.setup({ database_path = T.root .. "/search.db", history_limit = 4, sessions = { page_size = 5 } })
local seen = T.capture_notifications()

local function rq(method, params)
  local result, err = ai.client():request_sync(method, params, 10000)
  T.ok(result, method .. " failed: " .. vim.inspect(err))
  return result
end

local function add(id, role, content)
  return rq("messages/add", { sessionId = id, message = { role = role, content = content } }).message
end

local function errors()
  return vim.tbl_filter(function(n)
    return n.level >= vim.log.levels.WARN
  end, seen)
end

-- Twelve sessions, more than two pages of the picker; the last one is the newest.
local SESSIONS = 12
for i = 1, SESSIONS do
  local id = ("browse-%02d"):format(i)
  rq("session/open", { sessionId = id })
  add(id, "user", ("Session %d: a plain landing page"):format(i))
end
-- The sessions the search finds, newer still.
rq("session/open", { sessionId = "tiers" })
local old_hit = add("tiers", "user", "Make a pricing table with three tiers and a toggle")
for i = 1, 7 do
  add("tiers", i % 2 == 1 and "assistant" or "user", ("Reply %d about colours and spacing"):format(i))
end
rq("session/open", { sessionId = "cards" })
add("cards", "user", "A profile card with an avatar")
local card_reply = add("cards", "assistant", "Here is the card; it can show a pricing badge too.")
add("cards", "user", "Make the avatar round")

T.test("the session picker pages through every session, newest first, with counts", function()
  local everything = rq("session/list", { limit = 1000 }).sessions
  T.eq(#everything, SESSIONS + 2)
  local offered, original = {}, vim.ui.select
  local target = everything[#everything] -- the oldest: only on the last page
  vim.ui.select = function(items, opts, on_choice)
    table.insert(offered, vim.tbl_map(opts.format_item, items))
    T.eq(opts.kind, "aieditor.session")
    local last = items[#items]
    -- Ask for more until the oldest session is offered, then pick it.
    on_choice(last.more and last or vim.tbl_filter(function(item)
      return item.id == target.id
    end, items)[1])
  end
  vim.cmd("AIEditorSessions")
  T.wait_for(function()
    return session.current and session.current.id == target.id
  end, "the oldest session to open")
  vim.ui.select = original
  T.ok(chat.is_open(), "the session picked opens in the chat")
  T.eq(vim.api.nvim_get_current_win(), chat.win())
  T.ok(table.concat(chat.lines(), "\n"):find("Session 1: a plain landing page", 1, true), "showing it")

  T.eq(#offered, 3, "three pages of five for fourteen sessions")
  T.eq(#offered[1], 1 + 5 + 1, "New session, five sessions, More")
  T.eq(offered[1][1], "New session")
  T.eq(offered[1][7], "More sessions… (5 shown)")
  T.eq(offered[2][12], "More sessions… (10 shown)")
  T.eq(#offered[3], 1 + SESSIONS + 2, "the last page ends without More")
  for i, s in ipairs(everything) do
    local title = s.title ~= "" and s.title or s.id
    T.eq(offered[3][i + 1]:sub(1, #title), title, "newest first, as session/list orders them")
  end
  T.ok(offered[3][2]:match("^A profile card with an avatar · just now · 3 messages · 0 components · cards$"), offered[3][2])
  T.ok(offered[3][#offered[3]]:match("^Session 1: a plain landing page · just now · 1 message · 0 components · browse%-01$"), offered[3][#offered[3]])
  T.eq(#errors(), 0, vim.inspect(seen))
end)

local function wait_search(before)
  T.wait_for(function()
    return vim.fn.getqflist({ id = 0 }).id ~= before
  end, "the search's quickfix list")
end

T.test(":AIEditorSearch fills the quickfix list with hits: session title, time, snippet", function()
  local before = vim.fn.getqflist({ id = 0 }).id
  vim.cmd("AIEditorSearch pricing")
  wait_search(before)
  local list = vim.fn.getqflist({ title = 1, items = 1, context = 1 })
  T.eq(list.title, "aieditor search: pricing (3 hits)")
  local texts = vim.tbl_map(function(item)
    return item.text
  end, list.items)
  table.sort(texts)
  T.eq(#texts, 3, vim.inspect(texts))
  T.ok(texts[1]:match("^A profile card with an avatar · just now · Assistant: .*«pricing» badge"), texts[1])
  T.ok(texts[2]:match("^Make a pricing table with three tiers and a toggle · just now · You: Make a «pricing» table"), texts[2])
  T.ok(texts[3]:match("^Make a pricing table with three tiers and a toggle · just now · title: Make a «pricing» table"), texts[3])
  -- The quickfix window shows these lines, nothing else.
  T.ok(vim.fn.getqflist({ winid = 0 }).winid ~= 0, "the quickfix window is open")
  local qf_lines = T.lines(vim.fn.getqflist({ qfbufnr = 0 }).qfbufnr)
  T.eq(qf_lines, vim.tbl_map(function(item)
    return item.text
  end, list.items))
end)

---The index of the quickfix entry whose hit `pred` accepts.
local function entry(pred)
  local hits = vim.fn.getqflist({ context = 1 }).context.aieditor_search.hits
  for i, hit in ipairs(hits) do
    if pred(hit) then
      return i
    end
  end
  error("no such hit in " .. vim.inspect(hits))
end

---The chat's cursor line and whether the hit highlight covers it.
local function chat_cursor()
  local win = chat.win()
  local row = vim.api.nvim_win_get_cursor(win)[1]
  local line = vim.api.nvim_buf_get_lines(chat.buf(), row - 1, row, false)[1]
  local marks = vim.api.nvim_buf_get_extmarks(chat.buf(), vim.api.nvim_create_namespace("aieditor_reveal"), 0, -1, { details = true })
  return row, line, marks
end

T.test(":cc opens the hit's session in the chat, the cursor on its message, highlighted", function()
  vim.cmd("wincmd t") -- the window left of the chat, above the quickfix list
  local code_win = vim.api.nvim_get_current_win()
  vim.cmd("enew")
  local code_buf = vim.api.nvim_get_current_buf()
  vim.api.nvim_buf_set_lines(code_buf, 0, -1, false, { "const a = 1;", "const b = 2;" })
  vim.api.nvim_win_set_cursor(code_win, { 2, 3 })

  local n = entry(function(hit)
    return hit.kind == "message" and hit.sessionId == "cards"
  end)
  local shown = 0
  vim.api.nvim_create_autocmd("User", {
    pattern = "AiEditorSearchHit",
    callback = function()
      shown = shown + 1
    end,
  })
  vim.cmd("cc " .. n)
  T.wait_for(function()
    return shown == 1
  end, "the hit to be shown")
  T.eq(session.current.id, "cards")
  T.eq(vim.api.nvim_get_current_win(), chat.win(), "the chat has the focus")
  local row, line, marks = chat_cursor()
  T.eq(line, "## Assistant", "the cursor is on the reply's heading")
  T.eq(session.current.messages[2].id, card_reply.id)
  T.ok(vim.api.nvim_buf_get_lines(chat.buf(), row + 1, row + 2, false)[1]:find("pricing badge", 1, true), "the message follows")
  local block = vim.tbl_filter(function(m)
    return m[4].hl_group == "AiEditorSearchHit"
  end, marks)
  T.eq(#block, 1, "one message highlighted")
  T.eq(block[1][2], row - 1, "it starts on the message")
  T.eq(block[1][4].end_row, row + 2, "and covers its lines")
  local words = vim.tbl_filter(function(m)
    return m[4].hl_group == "AiEditorSearchMatch"
  end, marks)
  local body = vim.api.nvim_buf_get_lines(chat.buf(), row + 1, row + 2, false)[1]
  T.eq(vim.tbl_map(function(m)
    return { m[2], body:sub(m[3] + 1, m[4].end_col) }
  end, words), { { row + 1, "pricing" } }, "the matching word is marked")
  T.eq(vim.api.nvim_win_get_buf(code_win), code_buf, "the window the jump used shows its own buffer again")
  T.eq(vim.api.nvim_win_get_cursor(code_win), { 2, 3 }, "with its cursor where it was")
  local placeholder = vim.fn.bufnr("^aieditor://search$")
  T.ok(placeholder > 0 and not vim.bo[placeholder].buflisted, "the entries' placeholder buffer is not listed")
  T.eq(#errors(), 0, vim.inspect(seen))
end)

T.test(":cc to a message older than the loaded ones reads older pages until it is shown", function()
  local n = entry(function(hit)
    return hit.kind == "message" and hit.sessionId == "tiers"
  end)
  local shown = 0
  vim.api.nvim_create_autocmd("User", {
    pattern = "AiEditorSearchHit",
    callback = function()
      shown = shown + 1
    end,
  })
  vim.cmd("wincmd t") -- the window left of the chat, above the quickfix list
  vim.cmd("cc " .. n)
  T.wait_for(function()
    return shown == 1
  end, "the hit to be shown")
  T.eq(session.current.id, "tiers")
  T.eq(#session.current.messages, 8, "history_limit 4 loaded four; the rest were read to reach the hit")
  T.eq(session.current.messages[1].id, old_hit.id)
  local _, line = chat_cursor()
  T.eq(line, "## You")
  local row = vim.api.nvim_win_get_cursor(chat.win())[1]
  T.eq(vim.api.nvim_buf_get_lines(chat.buf(), row + 1, row + 2, false)[1], old_hit.content)
  T.eq(vim.fn.line("w0", chat.win()), row, "scrolled to the top of the window")

  -- The title hit opens the session at its title.
  vim.cmd("wincmd t") -- the window left of the chat, above the quickfix list
  vim.cmd("cc " .. entry(function(hit)
    return hit.kind == "session"
  end))
  T.wait_for(function()
    return shown == 2
  end, "the title hit to be shown")
  local title_row, title_line = chat_cursor()
  T.eq(title_row, 1)
  T.ok(title_line:find("^# Make a pricing table"), title_line)
  T.eq(#errors(), 0, vim.inspect(seen))
end)

T.test("a component hit opens the chat at the reply that made that version", function()
  local before = vim.fn.getqflist({ id = 0 }).id
  local saved = rq("components/save", { sessionId = "cards", component = { name = "Zebrastripe", jsx = "export default function Zebrastripe() { return <div className=\"zebra\"/>; }", css = ".zebra {}" } })
  T.ok(saved.component.version == 1)
  vim.cmd("AIEditorSearch zebra*")
  wait_search(before)
  local hits = vim.fn.getqflist({ context = 1 }).context.aieditor_search.hits
  T.eq(#hits, 1, vim.inspect(hits))
  T.eq({ hits[1].kind, hits[1].componentVersion }, { "component", 1 })
  T.ok(vim.fn.getqflist({ items = 1 }).items[1].text:match("^A profile card with an avatar · just now · component v1: .*«Zebrastripe»"), vim.fn.getqflist({ items = 1 }).items[1].text)
  local shown = false
  vim.api.nvim_create_autocmd("User", {
    pattern = "AiEditorSearchHit",
    once = true,
    callback = function()
      shown = true
    end,
  })
  vim.cmd("wincmd t") -- the window left of the chat, above the quickfix list
  vim.cmd("cc 1")
  T.wait_for(function()
    return shown
  end, "the component hit to be shown")
  -- A manual save has no reply: the session opens at its title.
  T.eq(session.current.id, "cards")
  T.eq(chat_cursor(), 1)
end)

T.test("a component hit made by a reply opens the chat at that reply", function()
  rq("session/open", { sessionId = "made" })
  local sent, err = ai.client():request_sync("chat/send", { sessionId = "made", text = "A quokka themed signup form" }, 30000)
  T.ok(sent and sent.component, "the offline reply made a component: " .. vim.inspect(err))
  rq("messages/add", { sessionId = "made", message = { role = "user", content = "Thanks" } })
  local before = vim.fn.getqflist({ id = 0 }).id
  vim.cmd("AIEditorSearch quokka")
  wait_search(before)
  local n = entry(function(hit)
    return hit.kind == "component"
  end)
  local shown = false
  vim.api.nvim_create_autocmd("User", {
    pattern = "AiEditorSearchHit",
    once = true,
    callback = function()
      shown = true
    end,
  })
  vim.cmd("wincmd t") -- the window left of the chat, above the quickfix list
  vim.cmd("cc " .. n)
  T.wait_for(function()
    return shown
  end, "the component hit to be shown")
  T.eq(session.current.id, "made")
  local _, line = chat_cursor()
  T.eq(line, "## Assistant", "the cursor is on the reply")
  local row = vim.api.nvim_win_get_cursor(chat.win())[1]
  local m = session.current.messages[2]
  T.eq(m.id, sent.assistantMessage.id)
  T.eq(vim.api.nvim_buf_get_lines(chat.buf(), row + 1, row + 2, false)[1], vim.split(m.content, "\n")[1])
end)

T.test("hits beyond one search/query page all reach the list, each once, up to search.max_hits", function()
  rq("session/open", { sessionId = "many" })
  for i = 1, 130 do
    add("many", "user", ("zzyzx road note %d"):format(i))
  end
  local before = vim.fn.getqflist({ id = 0 }).id
  vim.cmd("AIEditorSearch zzyzx")
  wait_search(before)
  local list = vim.fn.getqflist({ title = 1, context = 1 })
  T.eq(list.title, "aieditor search: zzyzx (131 hits)", "130 messages and the title")
  local ids = {}
  for _, hit in ipairs(list.context.aieditor_search.hits) do
    T.ok(not ids[hit.id], "no hit twice: " .. hit.id)
    ids[hit.id] = true
  end
  T.eq(vim.tbl_count(ids), 131)

  ai.setup({ database_path = T.root .. "/search.db", history_limit = 4, sessions = { page_size = 5 }, search = { max_hits = 120 } })
  before = vim.fn.getqflist({ id = 0 }).id
  vim.cmd("AIEditorSearch zzyzx")
  wait_search(before)
  T.eq(vim.fn.getqflist({ title = 1 }).title, "aieditor search: zzyzx (first 120 hits)")
  T.eq(#vim.fn.getqflist(), 120)
  ai.setup({ database_path = T.root .. "/search.db", history_limit = 4, sessions = { page_size = 5 } })
end)

T.test("hostile queries never error: they find something or nothing", function()
  local queries = {
    '"unbalanced',
    "*",
    "NEAR(",
    "-",
    "pricing -table",
    "'; DROP TABLE messages; --",
    "a\0b pricing",
    "%s %d %%",
    "\\",
    "«»",
    "AND OR NOT",
    "price*",
    '"pricing table"',
    string.rep("lorem ipsum ", 900), -- about 10 KB
    string.rep("ü", 9000), -- 18 KB: more than the server takes, cut on a character
  }
  for _, q in ipairs(queries) do
    local before = vim.fn.getqflist({ id = 0 }).id
    ai.search(q)
    wait_search(before)
    local title = vim.fn.getqflist({ title = 1 }).title
    T.ok(title:find("^aieditor search: "), title)
  end
  T.eq(#errors(), 0, "no error or warning: " .. vim.inspect(seen))
  -- The words of a broken query still count.
  local before = vim.fn.getqflist({ id = 0 }).id
  vim.cmd([[AIEditorSearch "pricing table]])
  wait_search(before)
  T.ok(#vim.fn.getqflist() >= 1, "an unbalanced quote is searched as words")
end)

T.test(":AIEditorRename renames the open session; the chat and its title show it", function()
  vim.cmd("AiEditor open cards")
  T.wait_for(function()
    return session.current.id == "cards"
  end, "the session to open")
  local renamed = false
  vim.api.nvim_create_autocmd("User", {
    pattern = "AiEditorRenamed",
    once = true,
    callback = function()
      renamed = true
    end,
  })
  vim.cmd("AIEditorRename Profile card, final")
  T.wait_for(function()
    return renamed
  end, "the rename")
  T.eq(session.current.info.title, "Profile card, final")
  T.eq(chat.lines()[1], "# Profile card, final · cards", "the chat's heading")
  local opt = vim.fn.has("nvim-0.8") == 1 and "winbar" or "statusline"
  T.ok(vim.wo[chat.win()][opt]:find("Profile card, final (cards)", 1, true), vim.wo[chat.win()][opt])
  local listed = vim.tbl_filter(function(s)
    return s.id == "cards"
  end, rq("session/list", { limit = 1000 }).sessions)
  T.eq(listed[1].title, "Profile card, final", "the server keeps it")
  T.ok(T.find_notification(seen, "renamed the session to “Profile card, final”", vim.log.levels.INFO))

  -- Without a title it asks, offering the current one.
  local asked, original = nil, vim.ui.input
  vim.ui.input = function(opts, on_confirm)
    asked = opts
    on_confirm("Profile card v2")
  end
  renamed = false
  vim.api.nvim_create_autocmd("User", {
    pattern = "AiEditorRenamed",
    once = true,
    callback = function()
      renamed = true
    end,
  })
  vim.cmd("AIEditorRename")
  vim.ui.input = original
  T.eq(asked.default, "Profile card, final")
  T.wait_for(function()
    return renamed
  end, "the second rename")
  T.eq(chat.lines()[1], "# Profile card v2 · cards")

  -- The new title is what search finds.
  local before = vim.fn.getqflist({ id = 0 }).id
  vim.cmd("AIEditorSearch v2")
  wait_search(before)
  local hits = vim.fn.getqflist({ context = 1 }).context.aieditor_search.hits
  T.eq({ #hits, hits[1].kind, hits[1].sessionTitle }, { 1, "session", "Profile card v2" })
  T.eq(#errors(), 0, vim.inspect(seen))
end)

T.test("a title the server refuses is reported in words and changes nothing", function()
  local count = #seen
  ai.rename("one\ntwo")
  T.wait_for(function()
    return #seen > count
  end, "the error")
  T.eq(seen[#seen].level, vim.log.levels.ERROR)
  T.eq(session.current.info.title, "Profile card v2")
  T.eq(chat.lines()[1], "# Profile card v2 · cards")
end)
