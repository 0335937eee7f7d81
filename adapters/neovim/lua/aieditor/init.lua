---@mod aieditor The aieditor plugin: chat with an AI and edit React components.
---
--- Public API. Every command of `:AiEditor` is a function here. The server is
--- started on first use and stopped when Neovim exits.

local config = require("aieditor.config")
local log = require("aieditor.log")
local rpc = require("aieditor.client")
local session = require("aieditor.session")
local status = require("aieditor.status")

local M = {}

---@type aieditor.Client|nil
local client

---@type integer|nil
local augroup

---Sets options (optional; see |aieditor-config|). A running server keeps the
---options it started with until |aieditor.stop()|.
---@param opts aieditor.Options|table|nil
function M.setup(opts)
  config.set(opts)
end

---The sentence to show for an error reply: the server's plain
---`data.userMessage` when it gave one, else its message.
---@param err aieditor.RpcError
---@return string
function M.user_message(err)
  local data = type(err.data) == "table" and err.data or {}
  if type(data.userMessage) == "string" and data.userMessage ~= "" then
    return data.userMessage
  end
  return err.message or "the request failed"
end

---How an error reply reaches the user: the plain sentence on screen, the
---protocol's message (with its field path) in the log; cancellation is news,
---not a failure.
---@param method string
---@param err aieditor.RpcError
local function report(method, err)
  local details = ("%s failed (%s): %s"):format(method, tostring(err.code), err.message or vim.inspect(err))
  if err.code == rpc.codes.RequestCancelled then
    log.write(vim.log.levels.INFO, details)
    log.info(M.user_message(err))
  elseif err.code == rpc.codes.ServerNotInitialized then
    log.write(vim.log.levels.WARN, details)
    log.warn("the server is still starting: try again in a moment")
  else
    log.write(vim.log.levels.ERROR, details)
    log.error(M.user_message(err))
  end
end

---@param method string
---@param params table
local function on_notification(method, params)
  if method == "chat/delta" then
    session.on_delta(params)
  elseif method == "persistence/status" then
    local s = session.current
    if s and (params.sessionId == nil or params.sessionId == s.id) then
      status.set(params)
    end
  elseif method == "sync/status" then
    status.set_sync(params)
  elseif method == "session/changed" then
    session.on_changed(params)
  elseif method == "window/showMessage" or method == "window/logMessage" then
    local level = ({ vim.log.levels.ERROR, vim.log.levels.WARN, vim.log.levels.INFO, vim.log.levels.DEBUG })[params.type]
    if method == "window/showMessage" then
      log.notify(params.message or "", level)
    else
      log.write(level or vim.log.levels.INFO, "server: " .. (params.message or ""))
    end
  end
end

---@param c aieditor.Client
---@param code integer
local function on_exit(c, code)
  if c.stopping then
    return
  end
  local tail = table.concat(c.stderr_tail, "\n")
  log.error(("the server exited unexpectedly (code %d)%s"):format(code, tail ~= "" and (": " .. tail) or ""))
  local s = session.current
  if s and s.sending then
    session.abort_send(s.sending, "The AI Editor server stopped while the reply was being written.")
  end
end

---The running client, started (and initialized) if needed.
---@return aieditor.Client|nil
function M.client()
  if client and client:is_running() then
    return client
  end
  local loc = config.server_location()
  if not loc.cmd then
    log.error(
      "the aieditor server was not found. Build it (cmake --preset dev && cmake --build --preset dev), "
        .. "put `aieditor` on $PATH, set $AIEDITOR_SERVER, or setup({server={cmd={...}}}). Looked at: "
        .. table.concat(loc.tried, ", ")
    )
    return nil
  end
  local c, err = rpc.spawn(loc.cmd, config.options.server.env, {
    notification = on_notification,
    exit = on_exit,
    keep_nulls = { ["session/changed"] = true }, -- currentComponentId: null means "none now"
  })
  if not c then
    log.error(err or "cannot start the server")
    return nil
  end
  c:initialize(config.init_options(), function(e)
    if e then
      log.error("initialize failed: " .. (e.message or ""))
      c.stopping = true
      c:stop(config.options.request_timeout_ms)
    end
  end)
  -- The sync state for the statusline; later changes come as notifications.
  -- A server without sync (an older build) answers an error: show nothing.
  c:request("sync/status", {}, function(e, st)
    if e then
      log.write(vim.log.levels.DEBUG, "sync/status: " .. (e.message or ""))
    elseif client == c then
      status.set_sync(st)
    end
  end)
  client = c
  augroup = vim.api.nvim_create_augroup("aieditor", { clear = true })
  vim.api.nvim_create_autocmd("VimLeavePre", {
    group = augroup,
    callback = function()
      M.stop()
    end,
    desc = "Stop the aieditor server",
  })
  return c
end

---The client if the server is already running; never starts it.
---@return aieditor.Client|nil
function M.client_if_running()
  if client and client.state == "running" then
    return client
  end
  return nil
end

---Sends a request; an error reply is shown with vim.notify unless
---`opts.on_error` returns true.
---@param method string
---@param params table
---@param on_result fun(result: any)|nil
---@param opts {raw: boolean|nil, on_error: (fun(err: aieditor.RpcError): boolean|nil)|nil}|nil
---@return integer|nil request_id
function M.request(method, params, on_result, opts)
  local c = M.client()
  if not c then
    return nil
  end
  return c:request(method, params, function(err, result)
    if err then
      if not (opts and opts.on_error and opts.on_error(err)) then
        report(method, err)
      end
      return
    end
    if on_result then
      on_result(result)
    end
  end, opts)
end

---@return string|nil
local function require_session()
  local s = session.current
  if not s then
    log.error("no session is open: send a prompt to start one, or :AiEditor open")
    return nil
  end
  return s.id
end

---Opens a session by id (creating it if needed). Without an id, asks: pick
---one from `session/list` or start a new one.
---@param session_id string|nil
---@param on_open fun()|nil
function M.open(session_id, on_open)
  if not session_id or session_id == "" then
    M.pick_session()
    return
  end
  M.request("session/open", { sessionId = session_id, limit = config.options.history_limit }, function(result)
    session.load(result)
    local st = result.status
    if type(st) == "string" then
      st = { state = st }
    end
    if type(st) == "table" then
      st.sessionId = st.sessionId or session_id
    end
    status.set(st or { sessionId = session_id, state = "saved" })
    if on_open then
      on_open()
    end
  end)
end

---Sessions being read again after a failed reply, each with what waits for
---it (a prompt sent meanwhile would be dropped by the reload).
---@type table<string, fun()[]>
local reloading = {}

---Reads the open session again (the server's copy of a failed reply).
---@param id string
local function reload(id)
  if reloading[id] then
    return
  end
  reloading[id] = {}
  local function done()
    local waiting = reloading[id] or {}
    reloading[id] = nil
    for _, f in ipairs(waiting) do
      f()
    end
  end
  M.request("session/open", { sessionId = id, limit = config.options.history_limit }, function(result)
    if session.current and session.current.id == id then
      session.load(result)
    end
    done()
  end, {
    on_error = function()
      done()
      return false
    end,
  })
end

---A new session id: the time and a random suffix ("s-20261203-171744-3fa2").
---@return string
function M.new_session_id()
  -- The clock's nanoseconds tell two sessions started in one second apart,
  -- without reseeding the math.random that other plugins share.
  local suffix = (vim.uv or vim.loop).hrtime() % 0x10000
  return ("s-%s-%04x"):format(os.date("!%Y%m%d-%H%M%S"), suffix)
end

---Starts a new session (its id made up; the server titles it after the
---first prompt) and opens it.
---@param on_open fun()|nil
function M.new_session(on_open)
  M.open(M.new_session_id(), on_open)
end

---The session picker (|vim.ui.select()|): "New session" first, then the
---sessions, most recent first, a page at a time.
function M.pick_session()
  require("aieditor.sessions").pick()
end

---Picks a session from the list and opens it.
function M.sessions()
  M.pick_session()
end

---Renames the open session; without a title, asks for one.
---@param title string|nil
function M.rename(title)
  require("aieditor.sessions").rename(title)
end

---Searches every session; the hits fill the quickfix list.
---@param query string|nil nil or blank: asks for one.
function M.search(query)
  require("aieditor.search").search(query)
end

---Sends a prompt. The reply streams into the chat buffer. With no session
---open, starts one first: a prompt is never dropped. A failed reply keeps
---the prompt for |:AiEditor-retry| and says why in the chat.
---@param text string
---@param images aieditor.Image[]|nil
---@param on_reply fun(result: table)|nil Called with the chat/send result once the reply is saved.
---@param opts {make_component: boolean}|nil make_component = false: the reply makes no component (an edit of a selection).
function M.send(text, images, on_reply, opts)
  if not text or text:match("^%s*$") then
    log.error("type a prompt first")
    return
  end
  if not session.current then
    M.new_session(function()
      M.send(text, images, on_reply, opts)
    end)
    return
  end
  local id = session.current.id
  if reloading[id] then
    table.insert(reloading[id], function()
      M.send(text, images, on_reply, opts)
    end)
    return
  end
  if session.current.sending then
    log.warn("a reply is still being written: wait for it, or :AiEditor cancel")
    return
  end
  local chat = require("aieditor.chat")
  chat.buf()
  status.start_generating()
  local send = session.begin_send(text, images)
  local params = { sessionId = id, text = text, images = images }
  if opts and opts.make_component == false then
    params.makeComponent = false
  end
  local request_id = M.request("chat/send", params, function(result)
    session.finish_send(send, result)
    if on_reply then
      on_reply(result)
    end
  end, {
    on_error = function(err)
      if err.code == rpc.codes.StorageFailed then
        -- The reply arrived; the server keeps its write and saves it again.
        session.abort_send(send)
        reload(id)
        return false
      end
      local reason = M.user_message(err)
      session.abort_send(send, reason)
      chat.restore_prompt(text)
      -- The server saved what arrived (interrupted or failed): show its copy.
      if session.current and session.current.id == id then
        reload(id)
      end
      if err.code ~= rpc.codes.RequestCancelled then
        log.write(vim.log.levels.ERROR, ("chat/send failed (%s): %s"):format(tostring(err.code), err.message or ""))
        if chat.is_open() then
          -- The chat shows the reason; a long line here would ask for Enter.
          log.warn("the reply failed (the chat says why): :AiEditor retry")
        else
          log.warn(reason .. " (:AiEditor retry sends the prompt again)")
        end
        return true
      end
      return false
    end,
  })
  if send then
    send.request_id = request_id
    if not request_id then
      session.abort_send(send, "The AI Editor server is not running.")
    end
  end
end

---Sends a prompt again: the failed one; else, in the chat window, the prompt
---of the reply under the cursor; else the last prompt (regenerate).
function M.retry()
  local s = session.current
  if not s then
    log.error("no session is open: nothing to retry")
    return
  end
  local failure = session.failures[s.id]
  if failure then
    require("aieditor.chat").clear_prompt(failure.text)
    M.send(failure.text, failure.images)
    return
  end
  local chat = require("aieditor.chat")
  local at = chat.message_at_cursor() or #s.messages
  for i = at, 1, -1 do
    local m = s.messages[i]
    if m.role == "user" and m.content and m.content ~= "" then
      M.send(m.content, m.images)
      return
    end
  end
  log.warn("no prompt to send again yet")
end

---Cancels the reply that is streaming.
function M.cancel()
  local s = session.current
  if not (s and s.sending and s.sending.request_id and client) then
    log.info("nothing to cancel")
    return
  end
  client:cancel(s.sending.request_id)
end

---Toggles the chat window. With no session open, starts one.
function M.chat()
  if not session.current then
    require("aieditor.chat").open()
    M.new_session()
    return
  end
  require("aieditor.chat").toggle()
end

---@param kind "jsx"|"css"
---@param range aieditor.Range|nil
function M.insert(kind, range)
  require("aieditor.components").insert(kind, range)
end

---@param kind "jsx"|"css"|nil
---@param range aieditor.Range|nil
function M.save(kind, range)
  require("aieditor.components").save(kind, range)
end

---Lists the versions of the current component; choosing an older one shows
---its diff, then restores it (and the files it was applied to).
function M.history()
  require("aieditor.history").pick()
end

---`:AiEditor apply [dir]` shows the diff of writing the current component to
---its own files; `apply!` writes them.
---@param dir string|nil
---@param write boolean|nil
function M.apply(dir, write)
  require("aieditor.apply").apply(dir, write == true)
end

---Writes the session's export document (JSON) to a file.
---@param file string
function M.export(file)
  local id = require_session()
  if not id then
    return
  end
  if not file or file == "" then
    log.error("export needs a file name")
    return
  end
  local path = vim.fn.fnamemodify(vim.fn.expand(file), ":p")
  M.request("session/export", { sessionId = id }, function(result)
    local f, err = io.open(path, "wb")
    if not f then
      log.error("cannot write " .. path .. ": " .. tostring(err))
      return
    end
    f:write(vim.json.encode(result.document), "\n")
    f:close()
    log.info(("exported %s to %s"):format(id, path))
    session.fire("AiEditorExported")
  end, { raw = true })
end

---Imports an export document and opens the new session.
---@param file string
function M.import(file)
  if not file or file == "" then
    log.error("import needs a file name")
    return
  end
  local path = vim.fn.fnamemodify(vim.fn.expand(file), ":p")
  local f, err = io.open(path, "rb")
  if not f then
    log.error("cannot read " .. path .. ": " .. tostring(err))
    return
  end
  local data = f:read("*a")
  f:close()
  local ok, document = pcall(vim.json.decode, data)
  if not ok then
    log.error(path .. " is not JSON: " .. tostring(document))
    return
  end
  M.request("session/import", { document = document }, function(result)
    log.info(("imported %s as session %s"):format(path, result.sessionId))
    M.open(result.sessionId)
  end)
end

---The save state for a statusline: "✅ Saved 14:03", "⏳ Saving…",
---"❌ Save failed: <reason>", "💾 Not saved", or "" with no session; then
---the sync state: "Synced", "Syncing…", "Offline · 3 waiting (retry in
---12 s)", "Sign in to sync", "2 rejected", or "" while sync is off.
---@return string
function M.statusline()
  return status.statusline()
end

---`:AIEditorSync [now|login|logout|rejected|retry]`; no argument: a menu.
---@param fargs string[]|nil
function M.sync(fargs)
  require("aieditor.sync").run(fargs or {})
end

---Stops the server (shutdown, exit). The next command starts it again.
function M.stop()
  local c = client
  client = nil
  status.set_sync(nil)
  if c then
    c.stopping = true
    c:stop(config.options.request_timeout_ms)
  end
end

return M
