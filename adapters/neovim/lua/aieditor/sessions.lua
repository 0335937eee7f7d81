---@mod aieditor.sessions The session picker and renaming the open session.
---
--- The picker is |vim.ui.select()| (Telescope's or fzf-lua's when they
--- replace it): "New session" first, then the sessions, most recently used
--- first, a page of `sessions.page_size` at a time; "More sessions…" at the
--- end loads the next page of `session/list` and shows the picker again.

local config = require("aieditor.config")
local log = require("aieditor.log")
local session = require("aieditor.session")
local status = require("aieditor.status")

local M = {}

local function ai()
  return require("aieditor")
end

---@param n integer|nil
---@param noun string
---@return string
local function count(n, noun)
  n = n or 0
  return ("%d %s%s"):format(n, noun, n == 1 and "" or "s")
end

---One picker item: "A pricing card · 3 min ago · 4 messages · 1 component ·
---{id}" (the id only when there is a title to tell it from).
---@param s table A session/list summary {id, title, updatedAt, messageCount, componentCount}.
---@param now integer|nil epoch seconds
---@return string
function M.format_session(s, now)
  local title = (s.title and s.title ~= "") and s.title or s.id
  local parts = { title }
  local when = status.relative(s.updatedAt, now)
  if when ~= "" then
    table.insert(parts, when)
  end
  table.insert(parts, count(s.messageCount, "message"))
  table.insert(parts, count(s.componentCount, "component"))
  if title ~= s.id then
    table.insert(parts, s.id)
  end
  return table.concat(parts, " · ")
end

local function open_chat()
  require("aieditor.chat").open()
end

---Shows the picker; the sessions are read a page at a time as the user asks
---for more. The session picked opens in the chat window.
function M.pick()
  local loaded, cursor = {}, nil
  local load_page

  local function show()
    local items = { { new = true } }
    vim.list_extend(items, loaded)
    if cursor then
      table.insert(items, { more = true })
    end
    local now = os.time()
    vim.ui.select(items, {
      prompt = "aieditor session",
      kind = "aieditor.session",
      format_item = function(item)
        if item.new then
          return "New session"
        elseif item.more then
          return ("More sessions… (%d shown)"):format(#loaded)
        end
        return M.format_session(item, now)
      end,
    }, function(choice)
      if not choice then
        return
      elseif choice.more then
        load_page()
      elseif choice.new then
        ai().new_session(open_chat)
      else
        ai().open(choice.id, open_chat)
      end
    end)
  end

  load_page = function()
    ai().request("session/list", { limit = config.options.sessions.page_size, cursor = cursor }, function(result)
      for _, s in ipairs(result.sessions or {}) do
        table.insert(loaded, s)
      end
      cursor = result.nextCursor
      show()
    end)
  end

  load_page()
end

---Renames the open session (`session/rename`); the chat and its title
---follow. Without a title, asks for one (the current title as the default).
---@param title string|nil
function M.rename(title)
  local s = session.current
  if not s then
    log.error("no session is open: open one (:AIEditorSessions) to rename it")
    return
  end
  if not title or vim.trim(title) == "" then
    vim.ui.input({ prompt = "Rename session: ", default = s.info.title or "" }, function(typed)
      if typed and vim.trim(typed) ~= "" then
        M.rename(typed)
      end
    end)
    return
  end
  ai().request("session/rename", { sessionId = s.id, title = title }, function(result)
    local info = result.session or {}
    local current = session.current
    if current and current.id == info.id then
      current.info = vim.tbl_extend("force", current.info or {}, info)
      require("aieditor.chat").render()
      status.redraw()
    end
    log.info(("renamed the session to “%s”"):format(info.title or title))
    session.fire("AiEditorRenamed")
  end)
end

return M
