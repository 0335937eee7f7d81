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

---How an error reply reaches the user: cancellation is news, not a failure.
---@param method string
---@param err aieditor.RpcError
local function report(method, err)
  if err.code == rpc.codes.RequestCancelled then
    log.info(method .. " cancelled")
  elseif err.code == rpc.codes.ServerNotInitialized then
    log.warn(method .. ": the server is still starting: " .. (err.message or ""))
  else
    log.error(("%s failed: %s"):format(method, err.message or vim.inspect(err)))
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
    session.abort_send(s.sending)
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
    log.error("no session is open: use :AiEditor open [id]")
    return nil
  end
  return s.id
end

---Opens a session by id (creating it if needed). Without an id, asks: pick
---one from `session/list` or type a new id.
---@param session_id string|nil
function M.open(session_id)
  if not session_id or session_id == "" then
    M.pick_session(true)
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
  end)
end

---@param allow_new boolean Offer to type a new id.
function M.pick_session(allow_new)
  local function ask_new()
    vim.ui.input({ prompt = "Session id: " }, function(id)
      if id and id ~= "" then
        M.open(id)
      end
    end)
  end
  M.request("session/list", {}, function(result)
    local items = {}
    for _, s in ipairs(result.sessions or {}) do
      -- A summary is {id, title, …, messageCount, componentCount}; accept a
      -- nested {session = {...}} too.
      local item = vim.tbl_extend("keep", s, s.session or {})
      item.session = nil
      table.insert(items, item)
    end
    if #items == 0 then
      if allow_new then
        ask_new()
      else
        log.info("no sessions yet")
      end
      return
    end
    if allow_new then
      table.insert(items, { id = false, title = "New session…" })
    end
    vim.ui.select(items, {
      prompt = "aieditor session",
      kind = "aieditor.session",
      format_item = function(item)
        if not item.id then
          return item.title
        end
        return ("%s  %s  (%s messages, %s components, %s)"):format(
          item.id,
          item.title or "",
          tostring(item.messageCount or 0),
          tostring(item.componentCount or 0),
          item.updatedAt or ""
        )
      end,
    }, function(choice)
      if not choice then
        return
      end
      if choice.id then
        M.open(choice.id)
      else
        ask_new()
      end
    end)
  end)
end

---Picks a session from the list and opens it.
function M.sessions()
  M.pick_session(false)
end

---Sends a prompt. The reply streams into the chat buffer.
---@param text string
---@param images aieditor.Image[]|nil
function M.send(text, images)
  local id = require_session()
  if not id then
    return
  end
  if not text or text:match("^%s*$") then
    log.error("send needs some text")
    return
  end
  if session.current.sending then
    log.warn("a reply is still streaming: wait, or :AiEditor cancel")
    return
  end
  require("aieditor.chat").buf()
  local send = session.begin_send(text, images)
  local request_id = M.request("chat/send", { sessionId = id, text = text, images = images }, function(result)
    session.finish_send(send, result)
  end, {
    on_error = function(err)
      session.abort_send(send)
      -- The server saved what arrived (interrupted or failed): show its copy.
      if session.current and session.current.id == id then
        M.open(id)
      end
      return false
    end,
  })
  if send then
    send.request_id = request_id
    if not request_id then
      session.abort_send(send)
    end
  end
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

---Toggles the chat window.
function M.chat()
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
