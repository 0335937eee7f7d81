---@mod aieditor.preview `:AIEditorPreview`: the live preview in the system browser.
---
--- Asks the server for the preview's address (`preview/open`: an HTTP server
--- on 127.0.0.1 with a secret in the path, started on first use), echoes it,
--- and opens it with the opener: `preview.open` of setup() (a function, or a
--- command the URL is appended to), else `vim.ui.open` (Neovim 0.10+), else
--- `xdg-open` or, on macOS, `open`. The page follows the session: new
--- versions show in it without a reload.

local config = require("aieditor.config")
local log = require("aieditor.log")
local session = require("aieditor.session")

local M = {}

---Runs `cmd` with `url` appended, detached (the browser outlives Neovim);
---reports a command that cannot start or that fails.
---@param cmd string[]
---@param url string
local function run_opener(cmd, url)
  local argv = vim.list_extend(vim.deepcopy(cmd), { url })
  local name = argv[1]
  local ok, job = pcall(vim.fn.jobstart, argv, {
    detach = true,
    on_exit = function(_, code)
      if code ~= 0 then
        log.error(("preview: %s exited with %d; open the URL yourself, or set preview.open (:help aieditor-preview)"):format(name, code))
      end
    end,
  })
  if not ok or job <= 0 then
    log.error(("preview: cannot run %s (%s); open the URL yourself, or set preview.open (:help aieditor-preview)"):format(
      name,
      ok and "not executable" or tostring(job)
    ))
  end
end

---The opener: a function taking the URL.
---@return fun(url: string)
function M.opener()
  local open = (config.options.preview or {}).open
  if type(open) == "function" then
    return open
  end
  if type(open) == "string" then
    open = { open }
  end
  if type(open) == "table" and #open > 0 then
    return function(url)
      run_opener(open, url)
    end
  end
  if vim.ui.open then
    return function(url)
      local _, err = vim.ui.open(url)
      if err then
        log.error("preview: " .. err .. "; open the URL yourself, or set preview.open (:help aieditor-preview)")
      end
    end
  end
  local cmd = vim.fn.has("mac") == 1 and "open" or "xdg-open"
  return function(url)
    run_opener({ cmd }, url)
  end
end

---`:AIEditorPreview [componentId [version]]`: opens the preview of the open
---session's component (the current one by default, following it; the
---latest version by default, following new ones).
---@param fargs string[]
function M.run(fargs)
  local s = session.current
  if not s then
    log.error("no session is open: send a prompt to start one, or :AiEditor open")
    return
  end
  local params = { sessionId = s.id, componentId = fargs[1] }
  if fargs[2] then
    params.version = tonumber(fargs[2])
    if not params.version then
      log.error("preview: the version must be a number, not " .. fargs[2])
      return
    end
  end
  require("aieditor").request("preview/open", params, function(result)
    log.info("preview: " .. result.url)
    M.opener()(result.url)
  end)
end

return M
