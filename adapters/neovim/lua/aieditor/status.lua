---@mod aieditor.status The persistence state, for statuslines and the chat window.

local M = {}

---@alias aieditor.SaveState "notSaved"|"saving"|"saved"|"failed"

---@class aieditor.PersistenceStatus
---@field sessionId string|nil
---@field state aieditor.SaveState
---@field lastSavedAt string|nil RFC 3339 UTC timestamp
---@field error string|nil

---@type aieditor.PersistenceStatus|nil
M.current = nil

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

---The text for a status: "✅ Saved 14:03", "⏳ Saving…", "❌ Save failed: <reason>", "💾 Not saved".
---@param st aieditor.PersistenceStatus|nil
---@return string
function M.format(st)
  if not st then
    return ""
  end
  if st.state == "saved" then
    local t = M.parse_time(st.lastSavedAt)
    if t then
      return "✅ Saved " .. os.date("%H:%M", t)
    end
    return "✅ Saved"
  elseif st.state == "saving" then
    return "⏳ Saving…"
  elseif st.state == "failed" then
    return "❌ Save failed: " .. (st.error or "unknown error")
  end
  return "💾 Not saved"
end

---The statusline component: empty while no session is open.
---@return string
function M.statusline()
  return M.format(M.current)
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
  require("aieditor.chat").refresh_title()
  require("aieditor.session").fire("AiEditorStatus")
  pcall(vim.cmd, "redrawstatus!")
end

return M
