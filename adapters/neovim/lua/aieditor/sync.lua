---@mod aieditor.sync `:AIEditorSync`: sync now, sign in and out, rejected writes.
---
--- The server does the syncing (docs/protocol.md, `sync/*`); this module only
--- asks it. The sign-in token is read with inputsecret() and goes straight
--- into the `sync/login` request: it is never kept in a variable that
--- outlives the call, shown, logged or put in the input history. The server
--- stores it in its credentials file (`remember`).

local log = require("aieditor.log")
local status = require("aieditor.status")

local M = {}

local function ai()
  return require("aieditor")
end

---A short sentence for a status reply, e.g. "synced as alice".
---@param st aieditor.SyncStatus
---@return string
local function describe(st)
  if st.state == "disabled" then
    return "sync is off: set sync.url in setup() or $AIEDITOR_SYNC_URL (see :help aieditor-sync)"
  end
  local text = status.format_sync(st)
  if st.user and st.state ~= "authRequired" then
    text = text .. " (signed in as " .. st.user .. ")"
  end
  if st.error and st.state ~= "error" then
    text = text .. ": " .. st.error
  end
  return text
end

---Asks the running server for the sync state again, quietly. It notifies
---changes of state and of `pending` between 0 and more; the count and the
---retry time change in between.
function M.refresh()
  local c = ai().client_if_running()
  if not c then
    return
  end
  c:request("sync/status", {}, function(err, st)
    if not err and st then
      status.set_sync(st)
    end
  end)
end

---Pushes and pulls at once (`sync/now`) and says how it ended.
function M.now()
  ai().request("sync/now", {}, function(st)
    status.set_sync(st)
    log.info(describe(st))
  end)
end

---The sync state now: the last one seen, or asked of the server (starting it).
---@return aieditor.SyncStatus|nil
local function current_status()
  if status.sync then
    return status.sync
  end
  local c = ai().client()
  if not c then
    return nil
  end
  local st, err = c:request_sync("sync/status", {}, require("aieditor.config").options.request_timeout_ms)
  if err then
    log.error("sync/status failed: " .. (err.message or ""))
    return nil
  end
  status.set_sync(st)
  return st
end

---Sends sync/login or sync/logout. The status it answers is the news: no
---sign-in hint while it is on its way (the server's notification of the
---new state comes before the reply).
---@param method string
---@param params table
---@param on_status fun(st: aieditor.SyncStatus)
local function account_request(method, params, on_status)
  status.mute_sign_in_hint(true)
  ai().request(method, params, function(st)
    status.set_sync(st)
    status.mute_sign_in_hint(false)
    on_status(st)
  end, {
    on_error = function()
      status.mute_sign_in_hint(false)
    end,
  })
end

---Sends the token read from the user; `url` replaces the backend URL.
---@param url string|nil
local function sign_in(url)
  -- inputsecret(): shown as stars, kept out of the history.
  local ok, token = pcall(vim.fn.inputsecret, "aieditor sign-in token: ")
  vim.cmd("redraw")
  token = ok and vim.trim(token) or ""
  if token == "" then
    log.info("sign-in cancelled")
    return
  end
  account_request("sync/login", { url = url, token = token, remember = true }, function(st)
    if st.state == "synced" or st.state == "syncing" then
      log.info("signed in" .. (st.user and (" as " .. st.user) or "") .. "; the token is saved for the next start")
    elseif st.state == "authRequired" then
      log.error("sign-in refused" .. (st.error and (": " .. st.error) or ""))
    else
      log.warn("signed in, but " .. describe(st) .. "; the server keeps trying")
    end
  end)
end

---Asks for the sign-in token (and the backend URL when none is configured)
---and signs in with `sync/login {url?, token, remember = true}`.
---@param url string|nil The backend URL; nil: the configured one.
function M.login(url)
  if url and url ~= "" then
    return sign_in(url)
  end
  local st = current_status()
  if not st then
    return
  end
  if st.state ~= "disabled" then
    return sign_in(nil)
  end
  vim.ui.input({ prompt = "aieditor backend URL: ", default = "http://127.0.0.1:8787" }, function(typed)
    if typed and typed ~= "" then
      sign_in(typed)
    end
  end)
end

---Signs out (`sync/logout`): the tokens are dropped, all local data stays.
function M.logout()
  account_request("sync/logout", {}, function()
    log.info("signed out: your work stays here and uploads after :AIEditorSync login")
  end)
end

---Puts the writes the backend refused in the quickfix list (`sync/rejected`).
---@param session_id string|nil Only this session's.
function M.rejected(session_id)
  ai().request("sync/rejected", { sessionId = session_id }, function(result)
    local items = {}
    for _, w in ipairs(result.writes or {}) do
      local what = w.kind .. (w.recordId and (" " .. w.recordId) or "") .. (w.version and (" v" .. w.version) or "")
      table.insert(items, { text = ("#%d %s %s: %s"):format(w.seq, w.sessionId, what, w.error or "") })
    end
    vim.fn.setqflist({}, " ", {
      title = "aieditor: writes the backend rejected (:AIEditorSync retry sends them again)",
      items = items,
    })
    if #items == 0 then
      log.info("no rejected writes")
    else
      vim.cmd("copen")
    end
  end)
end

---Queues the rejected writes again, in their order (`sync/retryRejected`).
---@param session_id string|nil Only this session's.
function M.retry(session_id)
  ai().request("sync/retryRejected", { sessionId = session_id }, function(result)
    log.info(("%d rejected write%s queued again"):format(result.retried or 0, result.retried == 1 and "" or "s"))
  end)
end

---@class aieditor.SyncAction
---@field label string
---@field run fun(arg: string|nil)

---The subcommands of `:AIEditorSync`, in menu order.
---@type table<string, aieditor.SyncAction>
M.actions = {
  now = { label = "Sync now", run = M.now },
  login = { label = "Sign in…", run = M.login },
  logout = { label = "Sign out (local work is kept)", run = M.logout },
  rejected = { label = "Show rejected writes", run = M.rejected },
  retry = { label = "Retry rejected writes", run = M.retry },
}
local order = { "now", "login", "logout", "rejected", "retry" }

---Offers the actions with vim.ui.select.
function M.menu()
  local st = current_status()
  local rejected = st and st.rejected or 0
  local items = {}
  for _, name in ipairs(order) do
    if name ~= "retry" or rejected > 0 then
      table.insert(items, name)
    end
  end
  local headline = st and status.format_sync(st) or ""
  vim.ui.select(items, {
    prompt = "aieditor sync" .. (headline ~= "" and (" (" .. headline .. ")") or ""),
    kind = "aieditor.sync",
    format_item = function(name)
      local label = M.actions[name].label
      if (name == "rejected" or name == "retry") and rejected > 0 then
        label = ("%s (%d)"):format(label, rejected)
      end
      return label
    end,
  }, function(name)
    if name then
      M.actions[name].run()
    end
  end)
end

---Runs `:AIEditorSync [now|login [URL]|logout|rejected [session]|retry [session]]`.
---@param fargs string[]
function M.run(fargs)
  local name = fargs[1]
  if not name then
    return M.menu()
  end
  local action = M.actions[name]
  if not action then
    log.error(("unknown :AIEditorSync subcommand %q: use %s"):format(name, table.concat(order, ", ")))
    return
  end
  action.run(fargs[2])
end

---The subcommand names that start with `arglead`.
---@param arglead string
---@return string[]
function M.names(arglead)
  return vim.tbl_filter(function(n)
    return vim.startswith(n, arglead)
  end, order)
end

---Completes `:AIEditorSync`: the subcommand names, as its first argument only.
---@param arglead string
---@param cmdline string
---@return string[]
function M.complete(arglead, cmdline)
  local words = vim.split(cmdline, "%s+", { trimempty = true })
  if #words - (arglead ~= "" and 1 or 0) ~= 1 then
    return {}
  end
  return M.names(arglead)
end

return M
