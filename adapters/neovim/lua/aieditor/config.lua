---@mod aieditor.config Options, their defaults, and finding the server.

local M = {}

---@class aieditor.ServerOptions
---@field cmd string[]|nil Command that starts the server. nil: auto-detect (see |aieditor-server|).
---@field env table<string,string>|nil Extra environment variables for the server process.

---@class aieditor.ChatOptions
---@field position "right"|"left"|"bottom"|"top"|"tab"|"float" Where the chat window opens.
---@field size integer|nil Width (right/left) or height (bottom/top); nil: 40% of the editor.
---@field prompt string Text of the prompt line at the bottom of the chat buffer.

---@class aieditor.ApplyOptions
---@field dir string|(fun(): string)|nil Where :AiEditor apply writes a component the first time.

---@class aieditor.SessionsOptions
---@field page_size integer Sessions the picker reads at a time (1 to 1000).

---@class aieditor.SearchOptions
---@field max_hits integer Hits :AIEditorSearch puts in the quickfix list at most.

---@class aieditor.SyncOptions
---@field url string|nil The team backend (initializationOptions.sync.url). nil: the server's own setting.

---@class aieditor.Options
---@field server aieditor.ServerOptions
---@field database_path string|nil initializationOptions.databasePath; nil lets the server choose.
---@field provider string|nil AI provider; nil means the built-in offline provider.
---@field model string|nil Model name passed to the provider.
---@field base_url string|nil Base URL passed to the provider.
---@field offline_delay_ms integer|nil Pause of the offline provider between deltas.
---@field history_limit integer Number of messages loaded when a session opens.
---@field sessions aieditor.SessionsOptions
---@field search aieditor.SearchOptions
---@field chat aieditor.ChatOptions
---@field apply aieditor.ApplyOptions
---@field sync aieditor.SyncOptions
---@field request_timeout_ms integer Timeout of the few requests that must wait (completion, shutdown).

-- The defaults. `setup()` merges the user's table over this one; every key
-- is documented in doc/aieditor.txt under |aieditor-config|.
---@type aieditor.Options
local defaults = {
  server = {
    -- nil: $AIEDITOR_SERVER, then the binary built in this repository
    -- (build/*/server/aieditor), then `aieditor` on $PATH.
    cmd = nil,
    env = nil,
  },
  -- nil: initializationOptions.databasePath is not sent, and the server uses
  -- $AIEDITOR_DB or $XDG_DATA_HOME/aieditor/aieditor.db.
  database_path = nil,
  provider = nil, -- nil: the offline provider, which needs no network
  model = nil,
  base_url = nil,
  offline_delay_ms = nil,
  history_limit = 50,
  sessions = {
    -- Sessions the picker (:AIEditorSessions) reads at a time; "More
    -- sessions…" at the end of the list reads the next page.
    page_size = 50,
  },
  search = {
    -- Hits :AIEditorSearch puts in the quickfix list at most (best first).
    max_hits = 200,
  },
  chat = {
    position = "right", -- "right", "left", "bottom", "top", "tab" or "float"
    size = nil, -- columns (right/left) or lines (bottom/top); nil: 40% of the editor, at least 50 (10)
    prompt = "> ",
  },
  apply = {
    -- Where :AiEditor apply writes <Name>.jsx and <Name>.css the first time
    -- (later applies update the same files): a folder, relative to the
    -- current directory, or a function returning one. nil: src/components/
    -- when it exists, else the current file's folder.
    dir = nil,
  },
  sync = {
    -- The team backend to sync through (aieditor-backend), e.g.
    -- "http://127.0.0.1:8787". nil: $AIEDITOR_SYNC_URL, the server's config
    -- file, then the URL of the saved sign-in; none of them: sync is off.
    -- The sign-in token is never an option: see :AIEditorSync login.
    url = nil,
  },
  request_timeout_ms = 2000,
}

---@type aieditor.Options
M.options = vim.deepcopy(defaults)

---@return aieditor.Options
function M.defaults()
  return vim.deepcopy(defaults)
end

---Merges `opts` over the defaults. Lists (server.cmd) are replaced, not merged.
---@param opts aieditor.Options|table|nil
function M.set(opts)
  opts = opts or {}
  local merged = vim.tbl_deep_extend("force", vim.deepcopy(defaults), opts)
  if opts.server and opts.server.cmd then
    merged.server.cmd = vim.deepcopy(opts.server.cmd)
  end
  M.options = merged
end

---The initializationOptions sent with `initialize`. Keys that are nil are left out.
---@return table
function M.init_options()
  local o = M.options
  local init = {
    databasePath = o.database_path,
    provider = o.provider,
    model = o.model,
    baseUrl = o.base_url,
    offlineDelayMs = o.offline_delay_ms,
    sync = type(o.sync) == "table" and o.sync.url and { url = o.sync.url } or nil,
  }
  if next(init) == nil then
    return vim.empty_dict()
  end
  return init
end

---Root of this plugin (adapters/neovim) and of the repository around it.
---@return string plugin_root, string repo_root
local function roots()
  local source = debug.getinfo(1, "S").source:sub(2)
  local plugin_root = vim.fn.fnamemodify(source, ":p:h:h:h")
  local repo_root = vim.fn.fnamemodify(plugin_root, ":h:h")
  return plugin_root, repo_root
end

---@class aieditor.ServerLocation
---@field cmd string[]|nil The command, or nil when nothing was found.
---@field source string Where it came from: "setup", "$AIEDITOR_SERVER", "repository build" or "PATH".
---@field tried string[] What was looked at, for error messages.

---Finds the server: setup({server={cmd}}) → $AIEDITOR_SERVER → this repo's
---build tree → `aieditor` on $PATH.
---@return aieditor.ServerLocation
function M.server_location()
  local tried = {}
  local cmd = M.options.server.cmd
  if cmd and #cmd > 0 then
    return { cmd = cmd, source = "setup", tried = tried }
  end
  local env = vim.env.AIEDITOR_SERVER
  if env and env ~= "" then
    return { cmd = { env }, source = "$AIEDITOR_SERVER", tried = tried }
  end
  table.insert(tried, "$AIEDITOR_SERVER (unset)")
  local _, repo = roots()
  for _, preset in ipairs({ "dev", "ci", "release", "sanitize" }) do
    local path = repo .. "/build/" .. preset .. "/server/aieditor"
    table.insert(tried, path)
    if vim.fn.executable(path) == 1 then
      return { cmd = { path }, source = "repository build", tried = tried }
    end
  end
  table.insert(tried, "aieditor on $PATH")
  local exe = vim.fn.exepath("aieditor")
  if exe ~= "" then
    return { cmd = { exe }, source = "PATH", tried = tried }
  end
  return { cmd = nil, source = "none", tried = tried }
end

---The database the server will use, by the server's own rule.
---@return string path, string source
function M.database_path()
  local configured = M.options.database_path
  if configured then
    if configured:match("^file:") then
      return configured, "setup (database_path, SQLite URI)"
    end
    return vim.fn.fnamemodify(configured, ":p"), "setup (database_path)"
  end
  local env = vim.env.AIEDITOR_DB
  if env and env ~= "" then
    return env, "$AIEDITOR_DB"
  end
  local data = vim.env.XDG_DATA_HOME
  if not data or data == "" then
    data = (vim.env.HOME or "~") .. "/.local/share"
  end
  return data .. "/aieditor/aieditor.db", "default: $XDG_DATA_HOME/aieditor/aieditor.db"
end

return M
