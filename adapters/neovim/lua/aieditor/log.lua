---@mod aieditor.log Notifications for the user and a log file for the rest.

local M = {}

local levels = vim.log.levels

---@type string|nil
local path

---The log file: the server's stderr and the plugin's own errors go there.
---Neovim 0.8+ has stdpath("log"); 0.7 falls back to stdpath("cache").
---@return string
function M.path()
  if not path then
    local ok, dir = pcall(vim.fn.stdpath, "log")
    if not ok or type(dir) ~= "string" or dir == "" then
      dir = vim.fn.stdpath("cache")
    end
    if vim.fn.isdirectory(dir) == 0 then
      pcall(vim.fn.mkdir, dir, "p")
    end
    path = dir .. "/aieditor.log"
  end
  return path
end

local level_names = {
  [levels.TRACE] = "TRACE",
  [levels.DEBUG] = "DEBUG",
  [levels.INFO] = "INFO",
  [levels.WARN] = "WARN",
  [levels.ERROR] = "ERROR",
}

---Appends one line to the log file. Safe to call from a libuv callback once
---M.path() has been resolved on the main loop.
---@param level integer one of vim.log.levels
---@param msg string
function M.write(level, msg)
  local p = path
  if not p then
    return
  end
  local f = io.open(p, "a")
  if not f then
    return
  end
  f:write(os.date("!%Y-%m-%dT%H:%M:%SZ"), " ", level_names[level] or "?", " ", msg, "\n")
  f:close()
end

---Shows a message to the user through vim.notify, prefixed with the plugin's
---name, and logs it. Safe from any context: it schedules itself when needed.
---@param msg string
---@param level integer|nil one of vim.log.levels (default INFO)
function M.notify(msg, level)
  level = level or levels.INFO
  M.write(level, msg)
  local function show()
    vim.notify("aieditor: " .. msg, level, { title = "aieditor" })
  end
  if vim.in_fast_event() then
    vim.schedule(show)
  else
    show()
  end
end

---@param msg string
function M.error(msg)
  M.notify(msg, levels.ERROR)
end

---@param msg string
function M.warn(msg)
  M.notify(msg, levels.WARN)
end

---@param msg string
function M.info(msg)
  M.notify(msg, levels.INFO)
end

return M
