---@mod aieditor.health `:checkhealth aieditor`

local config = require("aieditor.config")

local M = {}

-- Neovim 0.10+ has vim.health.start/ok/…; 0.8–0.9 have vim.health.report_*;
-- 0.7 has only the `health` module with report_*.
local h = vim.health or require("health")
local start = h.start or h.report_start
local ok = h.ok or h.report_ok
local warn = h.warn or h.report_warn
local err = h.error or h.report_error
local info = h.info or h.report_info

---The nearest existing directory at or above `path`.
---@param path string
---@return string
local function existing_ancestor(path)
  local dir = path
  while vim.fn.isdirectory(dir) == 0 do
    local parent = vim.fn.fnamemodify(dir, ":h")
    if parent == dir then
      break
    end
    dir = parent
  end
  return dir
end

local function check_neovim()
  if vim.fn.has("nvim-0.7") == 1 then
    local v = vim.version()
    ok(("Neovim %d.%d.%d"):format(v.major, v.minor, v.patch))
  else
    err("Neovim 0.7 or newer is required")
  end
end

local function check_server()
  local loc = config.server_location()
  if not loc.cmd then
    err("aieditor server not found", {
      "Build it: cmake --preset dev && cmake --build --preset dev",
      "or put `aieditor` on $PATH, or set $AIEDITOR_SERVER,",
      "or setup({ server = { cmd = { '/path/to/aieditor' } } })",
      "Looked at: " .. table.concat(loc.tried, ", "),
    })
    return
  end
  local cmd = vim.deepcopy(loc.cmd)
  table.insert(cmd, "--version")
  local out = vim.fn.system(cmd)
  local version = out:match("aieditor%s+(%d+%.%d+%.%d+%S*)")
  if vim.v.shell_error == 0 and version then
    ok(("server found (%s): %s, version %s"):format(loc.source, loc.cmd[1], version))
  else
    err(
      ("server at %s (%s) did not answer --version"):format(loc.cmd[1], loc.source),
      { "Output: " .. vim.trim(out), "Rebuild it or point $AIEDITOR_SERVER at a working binary." }
    )
  end
  local running = require("aieditor").client_if_running()
  if running then
    local si = running.server_info or {}
    local ext = vim.tbl_get and vim.tbl_get(running.capabilities or {}, "experimental", "aieditor")
      or ((running.capabilities or {}).experimental or {}).aieditor
      or {}
    info(("server running: pid %s, %s %s, database %s, provider %s"):format(
      tostring(running.pid),
      si.name or "?",
      si.version or "?",
      ext.databasePath or "?",
      ext.provider or "?"
    ))
  end
end

local function check_database()
  local path, source = config.database_path()
  if path:match("^file:") then
    info(("database %s (%s): an SQLite URI, not checked"):format(path, source))
    return
  end
  if vim.fn.filereadable(path) == 1 then
    if vim.fn.filewritable(path) == 1 then
      ok(("database %s is writable (%s)"):format(path, source))
    else
      err(("database %s is not writable (%s)"):format(path, source), { "Fix its permissions, or choose another path with setup({database_path=...})." })
    end
    return
  end
  local dir = existing_ancestor(vim.fn.fnamemodify(path, ":h"))
  if vim.fn.filewritable(dir) == 2 then
    ok(("database %s will be created; %s is writable (%s)"):format(path, dir, source))
  else
    err(("database %s cannot be created: %s is not writable (%s)"):format(path, dir, source))
  end
end

local function check_provider()
  local o = config.options
  if not o.provider or o.provider == "offline" then
    ok("provider: offline (built in, no network)")
    return
  end
  local parts = { "provider: " .. o.provider }
  if o.model then
    table.insert(parts, "model " .. o.model)
  end
  if o.base_url then
    table.insert(parts, "base URL " .. o.base_url)
  end
  ok(table.concat(parts, ", "))
  if not o.model then
    warn("no model configured: the server's default for " .. o.provider .. " is used")
  end
end

local function check_sync()
  local st = require("aieditor").client_if_running() and require("aieditor.status").sync
  if st then
    local text = require("aieditor.status").format_sync(st)
    info("sync: " .. (text ~= "" and text or "off") .. (st.user and (", signed in as " .. st.user) or ""))
  elseif config.options.sync.url then
    info("sync: with " .. config.options.sync.url .. " (setup)")
  elseif vim.env.AIEDITOR_SYNC_URL and vim.env.AIEDITOR_SYNC_URL ~= "" then
    info("sync: with " .. vim.env.AIEDITOR_SYNC_URL .. " ($AIEDITOR_SYNC_URL)")
  else
    info("sync: no URL here (the server's config file or a saved sign-in may give one)")
  end
  -- The saved sign-in is checked, never read: it holds the token.
  local config_home = vim.env.XDG_CONFIG_HOME
  if not config_home or config_home == "" then
    config_home = (vim.env.HOME or "~") .. "/.config"
  end
  local credentials = config_home .. "/aieditor/credentials"
  local perm = vim.fn.getfperm(credentials)
  if perm == "" then
    info("no saved sign-in (" .. credentials .. "); :AIEditorSync login makes one")
  elseif perm == "rw-------" then
    ok("saved sign-in: " .. credentials .. " (mode 0600)")
  else
    warn(("saved sign-in %s is readable by others (%s)"):format(credentials, perm), {
      "chmod 600 " .. credentials .. ", or :AIEditorSync logout and sign in again",
    })
  end
end

local function check_log()
  local path = require("aieditor.log").path()
  local dir = vim.fn.fnamemodify(path, ":h")
  if vim.fn.filewritable(dir) == 2 then
    ok("log file: " .. path)
  else
    warn("log directory is not writable: " .. dir)
  end
end

function M.check()
  start("aieditor")
  check_neovim()
  check_server()
  check_database()
  check_provider()
  check_sync()
  check_log()
end

return M
