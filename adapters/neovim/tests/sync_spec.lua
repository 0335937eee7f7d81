-- Sync through a real team backend (aieditor-backend): the statusline's sync
-- state, signing in with :AIEditorSync login (the token typed into
-- inputsecret, saved by the server), a second machine's work appearing in the
-- open chat buffer without a reopen, a rejected write, and the backend going
-- away and coming back. Machine B is a second aieditor process with its own
-- database, driven over pipes by the plugin's own client module.
local ai = require("aieditor")
local session = require("aieditor.session")
local chat = require("aieditor.chat")
local status = require("aieditor.status")
local rpc = require("aieditor.client")
local log = require("aieditor.log")

local BACKEND = os.getenv("AIEDITOR_TEST_BACKEND") or ""
local SESSION = "nvim-sync"
-- Small enough that one oversized message is refused (413) on its own.
local MAX_BODY = 200000

local backend = { db = T.root .. "/sync-backend.db" }
local token ---@type string the sign-in token: only ever typed, never set in Neovim
local machine_b ---@type aieditor.Client

---Starts `aieditor-backend serve` and waits for its "listening on URL" line.
---@param listen string HOST:PORT
local function start_backend(listen)
  backend.url, backend.exited = nil, nil
  local partial = ""
  backend.job = vim.fn.jobstart({ BACKEND, "serve", "--listen", listen, "--db", backend.db, "--max-body", tostring(MAX_BODY) }, {
    env = { AIEDITOR_LOG = "error" },
    on_stdout = function(_, data)
      data[1] = partial .. data[1]
      partial = table.remove(data)
      for _, line in ipairs(data) do
        backend.url = backend.url or line:match("^listening on (http://%S+)")
      end
    end,
    on_exit = function(_, code)
      backend.exited = code
    end,
  })
  T.ok(backend.job > 0, "aieditor-backend starts: " .. BACKEND)
  T.wait_for(function()
    return backend.url or backend.exited
  end, "the backend's listening line")
  T.ok(backend.url, "the backend listens (it exited with " .. tostring(backend.exited) .. ")")
end

---SIGTERM, then waits for the exit.
local function stop_backend()
  vim.fn.jobstop(backend.job)
  T.wait_for(function()
    return backend.exited ~= nil
  end, "the backend to exit")
end

local function chat_text()
  return table.concat(chat.lines(), "\n")
end

local function file_text(path)
  local f = io.open(path, "rb")
  if not f then
    return ""
  end
  local text = f:read("*a")
  f:close()
  return text
end

---@param c aieditor.Client
local function call(c, method, params)
  local result, err = c:request_sync(method, params, 30000)
  T.ok(not err, method .. " failed: " .. vim.inspect(err))
  return result
end

---Asks the nvim side's server directly (not through the plugin's state).
local function server_sync_status()
  return call(ai.client(), "sync/status", {})
end

---@param messages aieditor.Message[]
local function ids(messages)
  return vim.tbl_map(function(m)
    return m.id
  end, messages)
end

local function wait_reply(what)
  T.wait_for(function()
    return session.current and session.current.sending == nil
  end, what, 60000)
end

local seen = T.capture_notifications()

T.test("the sync texts of the statusline", function()
  local now = status.parse_time("2026-12-03T12:00:00.000Z")
  local function text(st)
    return status.format_sync(vim.tbl_extend("keep", st, { pending = 0, rejected = 0 }), now)
  end
  T.eq(text({ state = "disabled", pending = 4 }), "")
  T.eq(text({ state = "synced" }), "Synced")
  T.eq(text({ state = "syncing", pending = 3 }), "Syncing…")
  T.eq(text({ state = "offline", pending = 12, retryAt = "2026-12-03T12:00:12.400Z" }), "Offline · 12 waiting (retry in 12 s)")
  T.eq(text({ state = "offline", pending = 12, retryAt = "2026-12-03T11:59:59.000Z" }), "Offline · 12 waiting")
  T.eq(text({ state = "offline" }), "Offline")
  T.eq(text({ state = "authRequired", pending = 2 }), "Sign in to sync")
  T.eq(text({ state = "synced", rejected = 2 }), "2 rejected")
  T.eq(text({ state = "offline", pending = 1, rejected = 2 }), "Offline · 1 waiting · 2 rejected")
  T.eq(text({ state = "error", pending = 1, error = "HTTP 503" }), "Sync error: HTTP 503 · 1 waiting")
  T.eq(status.format_sync(nil), "")
end)

T.test("without a sign-in the statusline says Sign in to sync, once told", function()
  start_backend("127.0.0.1:0")
  local out = vim.fn.system({ BACKEND, "user", "add", "alice", "--db", backend.db })
  T.eq(vim.v.shell_error, 0, "user add: " .. out)
  local lines = vim.split(vim.trim(out), "\n")
  token = vim.trim(lines[#lines])
  T.ok(token:match("^aies_"), "a sign-in token")

  ai.setup({ database_path = T.root .. "/sync-machine-a.db", sync = { url = backend.url } })
  vim.cmd("AiEditor open " .. SESSION)
  T.wait_for(function()
    return ai.statusline():find("  Sign in to sync$")
  end, "Sign in to sync in the statusline")
  T.ok(ai.statusline():match("^✅ Saved"), "beside the save state: " .. ai.statusline())

  -- Work goes on signed out: the writes wait in the outbox.
  vim.cmd("AiEditor send A profile card with a name and a follow button")
  wait_reply("the reply while signed out")
  T.wait_for(function()
    return status.sync and status.sync.pending > 0
  end, "the writes counted as waiting")
  T.ok(ai.statusline():find("  Sign in to sync$"), ai.statusline())
  -- The server notifies only 0 → some; the count follows each save anyway.
  call(ai.client(), "messages/add", { sessionId = SESSION, message = { id = "a-signed-out", role = "user", content = "one more" } })
  local waiting = server_sync_status().pending
  T.ok(waiting >= 3, "the prompt, the reply and more wait: " .. waiting)
  T.wait_for(function()
    return status.sync.pending == waiting
  end, "the waiting count to follow the saves: " .. vim.inspect(status.sync))
  T.eq(status.sync.state, "authRequired")
  local hints = vim.tbl_filter(function(n)
    return n.msg:find(":AIEditorSync login", 1, true) ~= nil
  end, seen)
  T.eq(#hints, 1, "the way to sign in is said once: " .. vim.inspect(seen))
end)

T.test(":AIEditorSync login signs in with the typed token: Synced, and the writes reach the backend", function()
  -- What the user types at the inputsecret() prompt.
  vim.fn.feedkeys(token .. "\r", "t")
  vim.cmd("AIEditorSync login")
  T.wait_for(function()
    return T.find_notification(seen, "signed in as alice")
  end, "the sign-in's answer: " .. vim.inspect(seen), 30000)
  T.wait_for(function()
    return status.sync.state == "synced" and status.sync.pending == 0
  end, "synced after the sign-in", 30000)
  T.ok(ai.statusline():find("  Synced$"), ai.statusline())
  T.ok(not T.find_notification(seen, ".", vim.log.levels.ERROR), "no errors: " .. vim.inspect(seen))

  -- The server keeps the sign-in for the next start (remember = true)...
  local credentials = vim.env.XDG_CONFIG_HOME .. "/aieditor/credentials"
  T.eq(vim.fn.getfperm(credentials), "rw-------", "the credentials file is private")
  T.eq(vim.json.decode(file_text(credentials)), { url = backend.url, token = token })
  -- ...and Neovim keeps it nowhere: not in messages, variables, history or the log.
  T.ok(not vim.fn.execute("messages"):find(token, 1, true), "not in :messages")
  T.ok(not vim.fn.execute("let"):find(token, 1, true), "not in any variable")
  T.eq(vim.fn.histget("input", -1), "", "not in the input history")
  T.ok(not file_text(log.path()):find(token, 1, true), "not in the log")
  vim.cmd("checkhealth aieditor")
  local health = table.concat(T.lines(), "\n")
  vim.cmd("bwipeout!")
  T.ok(health:find("sync: Synced, signed in as alice", 1, true), health)
  T.ok(health:find("saved sign-in: " .. vim.env.XDG_CONFIG_HOME .. "/aieditor/credentials (mode 0600)", 1, true), health)
  T.ok(not health:find(token, 1, true), "not in :checkhealth")

  -- Machine B, signed in as the same user with a database of its own, gets
  -- everything this machine wrote.
  machine_b = assert(rpc.spawn({ os.getenv("AIEDITOR_SERVER") }, nil, {}))
  local ready
  machine_b:initialize({ databasePath = T.root .. "/sync-machine-b.db", sync = { url = backend.url, token = token } }, function(err)
    ready = err or true
  end)
  T.wait_for(function()
    return ready
  end, "machine B's initialize")
  T.eq(ready, true, "machine B starts")
  T.eq(call(machine_b, "sync/now", {}).state, "synced", "machine B syncs")
  local on_b = call(machine_b, "session/open", { sessionId = SESSION })
  local on_a = call(ai.client(), "messages/list", { sessionId = SESSION })
  T.eq(ids(on_b.messages), ids(on_a.messages), "machine B has this machine's messages")
  T.ok(#on_b.messages >= 3)
end)

T.test("machine B's message and component show in the open chat without a reopen", function()
  vim.cmd("AiEditor chat")
  local reopened, changed = 0, 0
  local group = vim.api.nvim_create_augroup("sync_spec", { clear = true })
  vim.api.nvim_create_autocmd("User", { group = group, pattern = "AiEditorSession", callback = function()
    reopened = reopened + 1
  end })
  vim.api.nvim_create_autocmd("User", { group = group, pattern = "AiEditorChanged", callback = function()
    changed = changed + 1
  end })

  call(machine_b, "messages/add", { sessionId = SESSION, message = { id = "from-b-1", role = "user", content = "Written on machine B" } })
  T.wait_for(function()
    return chat_text():find("Written on machine B", 1, true)
  end, "machine B's message in the chat buffer", 30000)
  T.eq(session.current.messages[#session.current.messages].id, "from-b-1", "after the others")

  local saved = call(machine_b, "components/save", {
    sessionId = SESSION,
    component = { name = "FromB", jsx = "export default function FromB() {\n  return <p>B</p>;\n}\n", css = ".from-b {}\n" },
  }).component
  T.wait_for(function()
    local current = session.current_component()
    return current and current.id == saved.id
  end, "machine B's component as the current one here", 30000)
  T.eq(session.current_component().jsx, saved.jsx)

  T.eq(reopened, 0, "the session was not opened again")
  T.ok(changed >= 2, "session/changed arrived: " .. changed)
  vim.api.nvim_del_augroup_by_id(group)
end)

T.test("a write the backend refuses shows as rejected, in the quickfix list, and can be retried", function()
  ai.request("messages/add", {
    sessionId = SESSION,
    message = { id = "too-big", role = "user", content = string.rep("x", MAX_BODY + 1000) },
  })
  T.wait_for(function()
    return status.sync and status.sync.rejected == 1 and status.sync.state == "synced"
  end, "the refused write counted", 30000)
  T.ok(ai.statusline():find("  1 rejected$"), ai.statusline())

  vim.cmd("AIEditorSync rejected")
  local qf
  T.wait_for(function()
    qf = vim.fn.getqflist({ title = 1, items = 1 })
    return qf.title:find("rejected", 1, true)
  end, "the rejected writes in the quickfix list")
  T.eq(#qf.items, 1)
  T.ok(qf.items[1].text:find(SESSION .. " message too-big", 1, true), qf.items[1].text)
  vim.cmd("cclose")

  -- The menu offers the retry; it goes up again (and is refused again).
  local offered
  local select = vim.ui.select
  vim.ui.select = function(items, opts, on_choice)
    offered = vim.tbl_map(opts.format_item, items)
    on_choice(items[#items])
  end
  vim.cmd("AIEditorSync")
  vim.ui.select = select
  T.eq(offered, { "Sync now", "Sign in…", "Sign out (local work is kept)", "Show rejected writes (1)", "Retry rejected writes (1)" })
  T.wait_for(function()
    return T.find_notification(seen, "1 rejected write queued again")
  end, "the retry's answer")
  T.wait_for(function()
    local st = server_sync_status()
    return st.rejected == 1 and st.pending == 0
  end, "the retried write refused again", 30000)
end)

T.test("with the backend stopped the statusline says Offline · N waiting; back, it all goes up", function()
  local port = backend.url:match(":(%d+)$")
  stop_backend()
  vim.cmd("AiEditor send Make the button round")
  wait_reply("the reply while offline")
  T.wait_for(function()
    return ai.statusline():find("  Offline · %d+ waiting")
  end, "Offline · N waiting in the statusline", 30000)
  -- The count shown is the server's, also after writes made while offline.
  T.wait_for(function()
    local st = server_sync_status()
    return st.pending > 0 and ai.statusline():find(("  Offline · %d waiting"):format(st.pending), 1, true)
  end, "the waiting count as the server counts it: " .. ai.statusline(), 30000)

  start_backend("127.0.0.1:" .. port)
  T.wait_for(function()
    return status.sync.state == "synced" and status.sync.pending == 0
  end, "everything uploaded once the backend is back", 90000)
  T.ok(ai.statusline():find("  1 rejected$"), "synced, with the one refused write: " .. ai.statusline())
end)

T.test("the saved sign-in is used at the next start", function()
  ai.stop()
  -- Synced can come before the session's page: the next test counts its messages.
  local loaded = false
  vim.api.nvim_create_autocmd("User", { pattern = "AiEditorSession", once = true, callback = function()
    loaded = true
  end })
  vim.cmd("AiEditor open " .. SESSION)
  T.wait_for(function()
    return loaded and status.sync and status.sync.state == "synced"
  end, "opened, and synced without signing in again", 30000)
end)

T.test(":AIEditorSync logout keeps the local work and asks for a sign-in", function()
  local before = #session.current.messages
  local notices = #seen
  vim.cmd("AIEditorSync logout")
  T.wait_for(function()
    return status.sync and status.sync.state == "authRequired"
  end, "authRequired after the sign-out")
  T.ok(ai.statusline():find("  Sign in to sync · 1 rejected$"), ai.statusline())
  T.wait_for(function()
    return T.find_notification(seen, "signed out: your work stays here")
  end, "the sign-out's answer: " .. vim.inspect(seen))
  T.ok(not T.find_notification({ unpack(seen, notices + 1) }, "sign in to sync"), "no sign-in hint after signing out on purpose: " .. vim.inspect({ unpack(seen, notices + 1) }))
  vim.cmd("AiEditor open " .. SESSION)
  T.wait_for(function()
    return session.current and #session.current.messages == before
  end, "the same messages after the sign-out")
  T.ok(vim.fn.filereadable(vim.env.XDG_CONFIG_HOME .. "/aieditor/credentials") == 0, "the saved sign-in is removed")
  T.eq(vim.fn.getcompletion("AIEditorSync ", "cmdline"), { "now", "login", "logout", "rejected", "retry" })
end)

T.test("a token the backend refuses: the reason is shown, and still Sign in to sync", function()
  local notices = #seen
  vim.fn.feedkeys("aies_not-a-token\r", "t")
  vim.cmd("AIEditorSync login")
  T.wait_for(function()
    return T.find_notification(seen, "sign%-in refused: .", vim.log.levels.ERROR)
  end, "the refusal: " .. vim.inspect(seen), 30000)
  T.eq(status.sync.state, "authRequired")
  T.ok(ai.statusline():find("  Sign in to sync"), ai.statusline())
  T.eq(#seen, notices + 1, "only the refusal is said: " .. vim.inspect(seen))
end)

T.test("signed in again, a session deleted on machine B closes here", function()
  vim.fn.feedkeys(token .. "\r", "t")
  vim.cmd("AIEditorSync login")
  T.wait_for(function()
    return status.sync and status.sync.state ~= "authRequired" and status.sync.user == "alice"
  end, "signed in again", 30000)

  local GONE = "nvim-sync-gone"
  vim.cmd("AiEditor open " .. GONE)
  T.wait_for(function()
    return session.current and session.current.id == GONE
  end, "session/open " .. GONE)
  call(ai.client(), "messages/add", { sessionId = GONE, message = { id = "gone-1", role = "user", content = "soon gone" } })
  T.eq(call(ai.client(), "sync/now", {}).pending, 0, "uploaded")
  T.eq(call(machine_b, "sync/now", {}).state, "synced")
  call(machine_b, "session/delete", { sessionId = GONE })
  T.wait_for(function()
    return session.current == nil
  end, "the session closed here", 30000)
  T.ok(T.find_notification(seen, (vim.pesc("session " .. GONE .. " was deleted on another device"))), vim.inspect(seen))
  T.ok(chat_text():find("Type a prompt below to start a session", 1, true), chat_text())
end)

if machine_b then
  machine_b.stopping = true
  machine_b:stop(2000)
end
if backend.job and backend.exited == nil then
  stop_backend()
end
