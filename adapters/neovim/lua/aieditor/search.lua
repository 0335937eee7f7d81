---@mod aieditor.search `:AIEditorSearch`: every session searched, the hits in the quickfix list.
---
--- Each hit is a quickfix entry "A pricing card · 3 days ago · You: make a
--- «pricing» table" on one placeholder buffer, `aieditor://search`. Jumping
--- to an entry (|:cc|, |:cnext|, <CR> in the quickfix window) enters that
--- buffer; it puts the window's own buffer back at once and opens the chat
--- at the hit's message instead (|aieditor.chat|'s reveal). The hits travel
--- in the list's `context`, so older lists (|:colder|) still jump right.

local config = require("aieditor.config")
local log = require("aieditor.log")
local session = require("aieditor.session")
local status = require("aieditor.status")

local M = {}

local function ai()
  return require("aieditor")
end

---Hits asked for per `search/query` request (its limit is 1 to 1000).
local PAGE = 100
---Older messages read per `messages/list` request while looking for a hit.
local OLDER_PAGE = 500
---The longest query `search/query` takes.
local MAX_QUERY_BYTES = 16384
local PLACEHOLDER_NAME = "aieditor://search"

---@class aieditor.SearchHit
---@field sessionId string
---@field sessionTitle string|nil
---@field kind "message"|"component"|"session"
---@field id string The message's, component's or session's id.
---@field role string|nil
---@field componentVersion integer|nil
---@field snippet string Matches between « and ».
---@field createdAt string|nil

local role_names = { user = "You", assistant = "Assistant", system = "System" }

---One quickfix line: "A pricing card · 3 days ago · You: make a «pricing» table".
---@param hit aieditor.SearchHit
---@param now integer|nil epoch seconds
---@return string
function M.format_hit(hit, now)
  local title = (hit.sessionTitle and hit.sessionTitle ~= "") and hit.sessionTitle or hit.sessionId
  local parts = { title }
  local when = status.relative(hit.createdAt, now)
  if when ~= "" then
    table.insert(parts, when)
  end
  local what
  if hit.kind == "message" then
    what = role_names[hit.role] or hit.role or "message"
  elseif hit.kind == "component" then
    what = "component" .. (hit.componentVersion and (" v" .. hit.componentVersion) or "")
  else
    what = "title"
  end
  -- A snippet may span lines; a quickfix line may not.
  local snippet = (hit.snippet or ""):gsub("%s+", " ")
  table.insert(parts, what .. ": " .. vim.trim(snippet))
  return table.concat(parts, " · ")
end

---Gives a window that a jump left on the placeholder its own buffer back
---(the one it showed before), or closes it when it had none to go back to.
---@param win integer
---@param buf integer the placeholder
local function leave_placeholder(win, buf)
  if not vim.api.nvim_win_is_valid(win) or vim.api.nvim_win_get_buf(win) ~= buf then
    return
  end
  local alt = vim.api.nvim_win_call(win, function()
    return vim.fn.bufnr("#")
  end)
  if alt > 0 and alt ~= buf and vim.api.nvim_buf_is_valid(alt) and vim.bo[alt].buftype ~= "quickfix" then
    vim.api.nvim_win_call(win, function()
      vim.cmd("keepalt keepjumps buffer " .. alt)
    end)
  elseif #vim.api.nvim_tabpage_list_wins(vim.api.nvim_win_get_tabpage(win)) > 1 then
    vim.api.nvim_win_close(win, true)
  else
    vim.api.nvim_win_call(win, function()
      vim.cmd("enew")
    end)
  end
end

---@return integer
local function placeholder()
  local existing = vim.fn.bufnr("^" .. PLACEHOLDER_NAME .. "$")
  if existing > 0 then
    return existing
  end
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_name(buf, PLACEHOLDER_NAME)
  vim.bo[buf].bufhidden = "hide"
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, { "aieditor: opening the chat at the search hit…" })
  vim.bo[buf].modifiable = false
  vim.api.nvim_create_autocmd("BufEnter", {
    buffer = buf,
    desc = "aieditor: open the chat at the quickfix entry's search hit",
    callback = function()
      -- A jump lists the buffer it enters; this one is no file to list.
      vim.bo[buf].buflisted = false
      local win = vim.api.nvim_get_current_win()
      -- After the quickfix command is done with the window (it sets the cursor).
      vim.schedule(function()
        leave_placeholder(win, buf)
        M.open_current_entry()
      end)
    end,
  })
  return buf
end

---The current quickfix entry's hit, when the current list is a search's.
---@return aieditor.SearchHit|nil
local function current_entry_hit()
  local info = vim.fn.getqflist({ idx = 0, context = 0 })
  local ctx = type(info.context) == "table" and info.context.aieditor_search
  return ctx and ctx.hits and ctx.hits[info.idx] or nil
end

---Opens the current quickfix entry's hit (what jumping to it does).
function M.open_current_entry()
  local hit = current_entry_hit()
  if hit then
    M.open_hit(hit)
  end
end

---Finds the newest loaded message that `pred` accepts, reading older pages
---of the open session until one does or none are left.
---@param pred fun(m: aieditor.Message): boolean
---@param on_done fun(index: integer|nil)
local function find_message(pred, on_done)
  local s = session.current
  if not s then
    return on_done(nil)
  end
  for i = #s.messages, 1, -1 do
    if pred(s.messages[i]) then
      return on_done(i)
    end
  end
  local oldest = s.messages[1]
  if not s.has_more or not (oldest and oldest.id) then
    return on_done(nil)
  end
  ai().request("messages/list", { sessionId = s.id, before = oldest.id, limit = OLDER_PAGE }, function(result)
    if session.current ~= s then
      return -- another session was opened meanwhile
    end
    session.prepend(result.messages or {}, result.hasMore == true)
    find_message(pred, on_done)
  end)
end

---Shows the message a hit points at in the open session: the message
---itself, the reply that made a component version (or, failing that, the
---last one that made the component), or the session's title.
---@param hit aieditor.SearchHit
---@param on_done fun()|nil
local function reveal(hit, on_done)
  local chat = require("aieditor.chat")
  local terms = {}
  for term in (hit.snippet or ""):gmatch("«(.-)»") do
    table.insert(terms, term)
  end
  local function show(index)
    chat.reveal(index, terms)
    session.fire("AiEditorSearchHit")
    if on_done then
      on_done()
    end
  end
  if hit.kind == "message" then
    find_message(function(m)
      return m.id == hit.id
    end, function(index)
      if not index then
        log.warn("that message is no longer in the session")
      end
      show(index)
    end)
  elseif hit.kind == "component" then
    local params = { sessionId = hit.sessionId, componentId = hit.id, version = hit.componentVersion }
    ai().request("components/get", params, function(result)
      local metadata = result.component and result.component.metadata
      local interaction = type(metadata) == "table" and metadata.interactionId or nil
      find_message(function(m)
        return m.role == "assistant" and ((interaction and m.interactionId == interaction) or (not interaction and m.componentId == hit.id))
      end, show)
    end, {
      on_error = function()
        -- The component is gone since the search: the session still opens.
        show(nil)
        return false
      end,
    })
  else
    show(nil)
  end
end

---Opens a hit: its session (unless it is open) in the chat, at its message.
---@param hit aieditor.SearchHit
---@param on_done fun()|nil
function M.open_hit(hit, on_done)
  local s = session.current
  if s and s.id == hit.sessionId then
    reveal(hit, on_done)
  else
    ai().open(hit.sessionId, function()
      reveal(hit, on_done)
    end)
  end
end

---Lines of the quickfix window for a search's list ('quickfixtextfunc').
---@param info {id: integer, start_idx: integer, end_idx: integer, quickfix: integer}
---@return string[]
function M.quickfix_text(info)
  local list = info.quickfix == 1 and vim.fn.getqflist({ id = info.id, items = 0 })
    or vim.fn.getloclist(info.winid, { id = info.id, items = 0 })
  local lines = {}
  for i = info.start_idx, info.end_idx do
    local item = list.items[i]
    table.insert(lines, item and item.text or "")
  end
  return lines
end

-- 'quickfixtextfunc' takes a function's name; Neovim 0.7 has no v:lua there.
vim.cmd([[
function! AiEditorSearchQuickfixText(info) abort
  return v:lua.require'aieditor.search'.quickfix_text(a:info)
endfunction
]])

---The search in flight; a newer search makes an older one's answer moot.
local generation = 0

---Puts the hits in a new quickfix list and opens the quickfix window.
---@param query string
---@param hits aieditor.SearchHit[]
---@param more boolean Hits beyond `search.max_hits` were left out.
local function fill_quickfix(query, hits, more)
  local buf = placeholder()
  local now = os.time()
  local items = {}
  for _, hit in ipairs(hits) do
    table.insert(items, { bufnr = buf, lnum = 1, col = 1, text = M.format_hit(hit, now) })
  end
  local count = more and ("first %d hits"):format(#hits) or ("%d hit%s"):format(#hits, #hits == 1 and "" or "s")
  vim.fn.setqflist({}, " ", {
    title = ("aieditor search: %s (%s)"):format(vim.fn.strcharpart(query, 0, 80), count),
    items = items,
    context = { aieditor_search = { query = query, hits = hits } },
    quickfixtextfunc = "AiEditorSearchQuickfixText",
  })
  if #hits == 0 then
    log.info(("no chat matches “%s”"):format(vim.fn.strcharpart(query, 0, 80)))
  else
    vim.cmd("botright copen")
  end
  session.fire("AiEditorSearch")
end

---Searches every session (`search/query`, best hits first, read a page at
---a time up to `search.max_hits`) and fills the quickfix list. Any text is a
---query: what the search syntax would not take is searched as plain words.
---@param query string|nil nil or blank: asks for one.
function M.search(query)
  if not query or vim.trim(query) == "" then
    vim.ui.input({ prompt = "Search chats: " }, function(typed)
      if typed and vim.trim(typed) ~= "" then
        M.search(typed)
      end
    end)
    return
  end
  -- A NUL separates words as a space does, and a Vim string cannot hold one.
  query = vim.trim((query:gsub("%z", " ")))
  if #query > MAX_QUERY_BYTES then
    -- The server takes 16 KiB and counts only the first 64 terms: the rest
    -- can change nothing. Cut before a character the limit would split.
    query = query:sub(1, MAX_QUERY_BYTES):gsub("[\192-\255][\128-\191]*$", "")
  end
  generation = generation + 1
  local mine = generation
  local max = math.max(1, config.options.search.max_hits or 200)
  local hits = {}
  local function page(cursor)
    local params = { query = query, limit = math.min(PAGE, max - #hits), cursor = cursor }
    ai().request("search/query", params, function(result)
      if mine ~= generation then
        return
      end
      for _, hit in ipairs(result.hits or {}) do
        -- Stored text may hold a NUL, which the quickfix list cannot.
        hit.snippet = type(hit.snippet) == "string" and hit.snippet:gsub("%z", " ") or ""
        hit.sessionTitle = type(hit.sessionTitle) == "string" and hit.sessionTitle:gsub("%z", " ") or nil
        table.insert(hits, hit)
      end
      local next_cursor = result.nextCursor
      if next_cursor and #hits < max then
        page(next_cursor)
      else
        fill_quickfix(query, hits, next_cursor ~= nil)
      end
    end)
  end
  page(nil)
end

return M
