---@mod aieditor.status The save and sync states, for statuslines and the chat window.

local M = {}

---@alias aieditor.SaveState "notSaved"|"saving"|"saved"|"failed"

---@class aieditor.PersistenceStatus
---@field sessionId string|nil
---@field state aieditor.SaveState
---@field lastSavedAt string|nil RFC 3339 UTC timestamp
---@field error string|nil

---@type aieditor.PersistenceStatus|nil
M.current = nil

---@alias aieditor.SyncState "disabled"|"offline"|"syncing"|"synced"|"authRequired"|"error"

---@class aieditor.SyncStatus
---@field state aieditor.SyncState
---@field pending integer Writes not yet acknowledged by the backend.
---@field rejected integer Writes the backend refused (:AIEditorSync rejected).
---@field lastSyncedAt string|nil
---@field error string|nil
---@field retryAt string|nil When the server tries again (offline, error).
---@field user string|nil

---The server's last `sync/status` (nil until it answered).
---@type aieditor.SyncStatus|nil
M.sync = nil

---The sign-in hint was shown and the state has not left authRequired since.
local auth_hint_shown = false

---Redraws once a second while a "retry in N s" counts down.
---@type userdata|nil
local countdown

---A failure was shown and no save has succeeded since.
local failure_shown = false

---Converts an RFC 3339 UTC timestamp ("2025-01-02T13:04:05.123Z") to epoch seconds.
---@param ts string|nil
---@return integer|nil
function M.parse_time(ts)
  if type(ts) ~= "string" then
    return nil
  end
  local y, mo, d, h, mi, s = ts:match("^(%d+)-(%d+)-(%d+)[Tt ](%d+):(%d+):(%d+)")
  if not y then
    return nil
  end
  local fields = { year = tonumber(y), month = tonumber(mo), day = tonumber(d), hour = tonumber(h), min = tonumber(mi), sec = tonumber(s), isdst = false }
  -- os.time reads the table as local time; correct by the local offset from UTC.
  local as_local = os.time(fields)
  local now = os.time()
  local utc_now = os.time(os.date("!*t", now) --[[@as osdate]])
  local offset = os.difftime(now, utc_now)
  local epoch = as_local + offset
  -- A tz offset other than Z (not produced by the server, but legal).
  local sign, oh, om = ts:match("([+-])(%d%d):?(%d%d)$")
  if sign then
    local delta = (tonumber(oh) * 3600 + tonumber(om) * 60) * (sign == "+" and 1 or -1)
    epoch = epoch - delta
  end
  return epoch
end

---A time as people say it: "just now", "42 s ago", "3 min ago", "2 h ago",
---"yesterday", "5 days ago", then the date ("2026-11-02"); "" without one.
---@param ts string|nil RFC 3339
---@param now integer|nil epoch seconds (default: now)
---@return string
function M.relative(ts, now)
  local t = M.parse_time(ts)
  if not t then
    return ""
  end
  local ago = (now or os.time()) - t
  if ago < 5 then
    return "just now"
  elseif ago < 60 then
    return ("%d s ago"):format(ago)
  elseif ago < 3600 then
    return ("%d min ago"):format(math.floor(ago / 60))
  elseif ago < 86400 then
    return ("%d h ago"):format(math.floor(ago / 3600))
  elseif ago < 2 * 86400 then
    return "yesterday"
  elseif ago < 30 * 86400 then
    return ("%d days ago"):format(math.floor(ago / 86400))
  end
  return os.date("%Y-%m-%d", t) --[[@as string]]
end

---The text for a status: "✅ Saved 14:03:27", "⏳ Saving…", "❌ Save failed: <reason>", "💾 Not saved".
---@param st aieditor.PersistenceStatus|nil
---@return string
function M.format(st)
  if not st then
    return ""
  end
  if st.state == "saved" then
    local t = M.parse_time(st.lastSavedAt)
    if t then
      return "✅ Saved " .. os.date("%H:%M:%S", t)
    end
    return "✅ Saved"
  elseif st.state == "saving" then
    return "⏳ Saving…"
  elseif st.state == "failed" then
    return "❌ Save failed: " .. (st.error or "unknown error")
  end
  return "💾 Not saved"
end

---The text for a sync status: "Synced", "Syncing…", "Offline · 3 waiting
---(retry in 12 s)", "Sign in to sync", "2 rejected"; "" when sync is off.
---@param st aieditor.SyncStatus|nil
---@param now integer|nil epoch seconds (default: now)
---@return string
function M.format_sync(st, now)
  if not st or st.state == "disabled" then
    return ""
  end
  local text
  if st.state == "synced" then
    text = "Synced"
  elseif st.state == "syncing" then
    text = "Syncing…"
  elseif st.state == "authRequired" then
    text = "Sign in to sync"
  else
    text = st.state == "offline" and "Offline" or ("Sync error: " .. (st.error or "unknown error"))
    if (st.pending or 0) > 0 then
      text = ("%s · %d waiting"):format(text, st.pending)
    end
    local at = M.parse_time(st.retryAt)
    local left = at and at - (now or os.time())
    if left and left > 0 then
      text = ("%s (retry in %d s)"):format(text, left)
    end
  end
  local rejected = st.rejected or 0
  if rejected > 0 then
    -- Everything else went up: the rejected writes are the news.
    text = (st.state == "synced" and "" or (text .. " · ")) .. ("%d rejected"):format(rejected)
  end
  return text
end

---"⏳ Generating… 12 s" while a reply streams in the open session.
---@return string|nil
function M.generating()
  local s = require("aieditor.session").current
  local send = s and s.sending
  if not send then
    return nil
  end
  local elapsed = math.floor(((vim.uv or vim.loop).now() - (send.started or 0)) / 1000)
  return ("⏳ Generating… %d s"):format(math.max(elapsed, 0))
end

---Redraws once a second while a reply streams.
---@type userdata|nil
local generating_timer

local function redraw()
  require("aieditor.chat").refresh_title()
  pcall(vim.cmd, "redrawstatus!")
end

---Redraws the statusline and the chat window's title (a reply began or ended).
M.redraw = redraw

---Starts the "Generating… N s" clock; it stops by itself when the reply ends.
function M.start_generating()
  if generating_timer then
    return
  end
  generating_timer = (vim.uv or vim.loop).new_timer()
  generating_timer:start(1000, 1000, vim.schedule_wrap(function()
    if not M.generating() and generating_timer then
      generating_timer:stop()
      generating_timer:close()
      generating_timer = nil
    end
    redraw()
  end))
end

---The statusline component: the save state (empty while no session is
---open; "Generating… N s" while a reply streams, unless a save failed), then
---the sync state (empty while sync is off).
---@return string
function M.statusline()
  local save, sync = M.format(M.current), M.format_sync(M.sync)
  local generating = M.generating()
  if generating and not (M.current and M.current.state == "failed") then
    save = generating
  end
  if save ~= "" and sync ~= "" then
    return save .. "  " .. sync
  end
  return save .. sync
end

---The retryAt whose end was already followed by a fresh `sync/status`.
---@type string|nil
local refreshed_for

---Keeps "retry in N s" current: a redraw each second until the retry is
---due, then, a second after it, one fresh status (the server does not
---notify a new retry time).
local function update_countdown()
  local at = M.sync and M.parse_time(M.sync.retryAt)
  local ticking = at ~= nil and refreshed_for ~= M.sync.retryAt
  if ticking and at < os.time() then
    refreshed_for = M.sync.retryAt
    ticking = false
    require("aieditor.sync").refresh()
  end
  if ticking and not countdown then
    countdown = (vim.uv or vim.loop).new_timer()
    countdown:start(1000, 1000, vim.schedule_wrap(function()
      update_countdown()
      redraw()
    end))
  elseif not ticking and countdown then
    countdown:stop()
    countdown:close()
    countdown = nil
  end
end

---States in which the server does not tell how many writes wait.
local waiting_states = { offline = true, error = true, authRequired = true }

---While the user signs in or out, no sign-in hint: the answer says how it went.
local hint_muted = false

---@param muted boolean
function M.mute_sign_in_hint(muted)
  hint_muted = muted
end

---Takes a new sync status (a `sync/status` reply or notification, or the
---reply of sync/now, sync/login or sync/logout), says once how to sign in
---when the backend wants a token, and fires `User AiEditorSyncStatus`.
---@param st aieditor.SyncStatus|nil
function M.set_sync(st)
  M.sync = st
  if st and st.state == "authRequired" then
    if not auth_hint_shown and not hint_muted then
      require("aieditor.log").warn(
        "sign in to sync: :AIEditorSync login, then paste your sign-in token "
          .. "(from `aieditor-backend user add NAME`)"
          .. (st.error and (" (" .. st.error .. ")") or "")
      )
    end
    auth_hint_shown = true
  else
    auth_hint_shown = false
  end
  update_countdown()
  redraw()
  require("aieditor.session").fire("AiEditorSyncStatus")
end

---Takes a new status (from `session/open` or `persistence/status`), tells
---the user when saving fails, and announces it with `User AiEditorStatus`.
---@param st aieditor.PersistenceStatus|nil
function M.set(st)
  M.current = st
  -- The server retries a failed write every few seconds (failed → saving →
  -- failed …): tell the user once, and again only after a success.
  if st and st.state == "failed" and not failure_shown then
    failure_shown = true
    require("aieditor.log").error("save failed: " .. (st.error or "unknown error"))
  elseif not st or st.state == "saved" then
    failure_shown = false
  end
  if st and st.state == "saved" and M.sync and waiting_states[M.sync.state] then
    require("aieditor.sync").refresh() -- "Offline · N waiting": N grew
  end
  redraw()
  require("aieditor.session").fire("AiEditorStatus")
end

return M
