---@mod aieditor.components Inserting, saving and restoring the current component.

local log = require("aieditor.log")
local session = require("aieditor.session")

local M = {}

---@alias aieditor.Kind "jsx"|"css"

---Filetypes that map to the component's JSX or CSS.
---@type table<string, aieditor.Kind>
M.filetypes = {
  javascriptreact = "jsx",
  typescriptreact = "jsx",
  javascript = "jsx",
  typescript = "jsx",
  jsx = "jsx",
  tsx = "jsx",
  css = "css",
  scss = "css",
  less = "css",
  sass = "css",
}

---@param ft string
---@return aieditor.Kind|nil
function M.kind_for_filetype(ft)
  return M.filetypes[ft]
end

---A command range, as given to a user command callback.
---@class aieditor.Range
---@field range integer 0, 1 or 2 (number of range items)
---@field line1 integer
---@field line2 integer

---A region of a buffer, 0-based, end-exclusive.
---@class aieditor.Region
---@field linewise boolean
---@field srow integer
---@field scol integer
---@field erow integer for linewise: exclusive end line
---@field ecol integer

---The region a command applies to: the last visual selection when the range
---came from it, else whole lines of the range. nil without a range.
---@param buf integer
---@param range aieditor.Range|nil
---@return aieditor.Region|nil
function M.region(buf, range)
  if not range or range.range == 0 then
    return nil
  end
  local vs = vim.api.nvim_buf_get_mark(buf, "<")
  local ve = vim.api.nvim_buf_get_mark(buf, ">")
  local mode = vim.fn.visualmode()
  if mode == "v" and vs[1] == range.line1 and ve[1] == range.line2 and vs[1] > 0 then
    local last = vim.api.nvim_buf_get_lines(buf, ve[1] - 1, ve[1], true)[1] or ""
    -- '> points at the first byte of the last selected character.
    local ch = last:sub(ve[2] + 1):match("^[%z\1-\127\194-\244][\128-\191]*") or ""
    return {
      linewise = false,
      srow = vs[1] - 1,
      scol = math.min(vs[2], #(vim.api.nvim_buf_get_lines(buf, vs[1] - 1, vs[1], true)[1] or "")),
      erow = ve[1] - 1,
      ecol = math.min(ve[2] + #ch, #last),
    }
  end
  return { linewise = true, srow = range.line1 - 1, scol = 0, erow = range.line2, ecol = 0 }
end

---Text of a region, or of the whole buffer. Whole lines end with "\n".
---@param buf integer
---@param region aieditor.Region|nil
---@return string
function M.region_text(buf, region)
  if not region then
    return table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), "\n") .. "\n"
  end
  if region.linewise then
    return table.concat(vim.api.nvim_buf_get_lines(buf, region.srow, region.erow, false), "\n") .. "\n"
  end
  local lines = vim.api.nvim_buf_get_lines(buf, region.srow, region.erow + 1, false)
  lines[#lines] = lines[#lines]:sub(1, region.ecol)
  lines[1] = lines[1]:sub(region.scol + 1)
  return table.concat(lines, "\n")
end

---Runs `fn` as one undo step of `buf`: setting 'undolevels' closes the undo
---block before and after (see |undo-blocks|).
---@param buf integer
---@param fn fun()
function M.as_one_undo_step(buf, fn)
  vim.api.nvim_buf_call(buf, function()
    vim.cmd("let &undolevels = &undolevels")
    fn()
    vim.cmd("let &undolevels = &undolevels")
  end)
end

---Gives the current component, fetching it (`components/get`) if needed.
---@param callback fun(component: aieditor.Component)
function M.with_current(callback)
  local s = session.current
  if not s then
    log.error("no session is open: send a prompt to start one, or :AiEditor open")
    return
  end
  local comp = session.current_component()
  if comp and comp.jsx and comp.css then
    callback(comp)
    return
  end
  require("aieditor").request("components/get", { sessionId = s.id }, function(result)
    local c = result and result.component
    if not c then
      log.warn("the session has no component yet: send a prompt first")
      return
    end
    session.set_component(c)
    callback(c)
  end)
end

---The buffer's lines with a region left out.
---@param buf integer
---@param region aieditor.Region|nil
---@return string[]
local function lines_without(buf, region)
  local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  if not region then
    return lines
  end
  if region.linewise then
    for _ = region.srow, region.erow - 1 do
      table.remove(lines, region.srow + 1)
    end
  else
    local joined = lines[region.srow + 1]:sub(1, region.scol) .. lines[region.erow + 1]:sub(region.ecol + 1)
    for _ = region.srow, region.erow do
      table.remove(lines, region.srow + 1)
    end
    table.insert(lines, region.srow + 1, joined)
  end
  return lines
end

---Changes the buffer from `from` to `to` (full texts) hunk by hunk, so
---lines that did not change keep their marks; returns how many lines were
---added (or, negative, removed) above line `row` (0-based).
---@param buf integer
---@param from string
---@param to string
---@param row integer
---@return integer
local function patch(buf, from, to, row)
  local to_lines = vim.split(to, "\n", { plain = true })
  -- vim.diff became vim.text.diff in Neovim 0.11 (the old name is deprecated).
  local diff = vim.text and vim.text.diff or vim.diff
  local hunks = diff(from, to, { result_type = "indices" }) --[[@as integer[][] ]]
  local shift = 0
  for i = #hunks, 1, -1 do
    local a, na, b, nb = unpack(hunks[i])
    local first = na == 0 and a or a - 1 -- 0-based line where the hunk starts
    vim.api.nvim_buf_set_lines(buf, first, first + na, false, vim.list_slice(to_lines, b, b + nb - 1))
    if first + na <= row then
      shift = shift + nb - na
    end
  end
  return shift
end

---Inserts the current component's JSX or CSS at the cursor of the current
---buffer, or replaces the selection, as one undo step. The JSX's imports
---join the buffer's own (`components/render` merges them): a module
---imported already is not imported again.
---@param kind aieditor.Kind
---@param range aieditor.Range|nil
function M.insert(kind, range)
  if kind ~= "jsx" and kind ~= "css" then
    log.error("insert takes jsx or css")
    return
  end
  local buf = vim.api.nvim_get_current_buf()
  local win = vim.api.nvim_get_current_win()
  local region = M.region(buf, range)
  local cursor = vim.api.nvim_win_get_cursor(win)
  local row, col = cursor[1] - 1, cursor[2]
  if region then
    row, col = region.srow, region.scol
  end
  local tick = vim.api.nvim_buf_get_changedtick(buf)

  ---@param body string what goes at the cursor
  ---@param from string|nil the buffer's text without the region
  ---@param to string|nil the same with the imports merged
  local function edit(body, from, to)
    if not vim.api.nvim_buf_is_valid(buf) then
      return
    end
    if not vim.bo[buf].modifiable then
      log.error("the buffer is not modifiable")
      return
    end
    if vim.api.nvim_buf_get_changedtick(buf) ~= tick then
      log.warn("the buffer changed while the component was fetched: insert again")
      return
    end
    -- A component's text ends with a newline; the buffer brings its own.
    local lines = vim.split((body:gsub("\n$", "")), "\n", { plain = true })
    M.as_one_undo_step(buf, function()
      if region and region.linewise then
        vim.api.nvim_buf_set_lines(buf, region.srow, region.erow, false, {})
      elseif region then
        vim.api.nvim_buf_set_text(buf, region.srow, region.scol, region.erow, region.ecol, {})
      end
      local at = row + (from and patch(buf, from, to, row) or 0)
      if region and region.linewise then
        vim.api.nvim_buf_set_lines(buf, at, at, false, lines)
      else
        local line = vim.api.nvim_buf_get_lines(buf, at, at + 1, false)[1] or ""
        local c = math.min(col, #line)
        vim.api.nvim_buf_set_text(buf, at, c, at, c, lines)
      end
    end)
  end

  M.with_current(function(comp)
    if kind == "css" then
      return edit(comp.css or "")
    end
    local existing = table.concat(lines_without(buf, region), "\n") .. "\n"
    require("aieditor").request("components/render", {
      sessionId = comp.sessionId,
      componentId = comp.id,
      target = "insert",
      existingText = existing,
    }, function(result)
      -- `text` is the file with its imports merged, a blank line, then `insert`.
      local text, insert = result.text or "", result.insert or ""
      local head = text:sub(1, #text - #insert):gsub("\n$", "")
      if head ~= "" and not head:match("\n$") then
        head = head .. "\n"
      end
      edit(insert, existing, head == "" and existing or head)
    end)
  end)
end

---Saves the current buffer's text, or the selection, as a new version of the
---current component (a new component if there is none).
---@param kind aieditor.Kind|nil jsx or css; nil: from the filetype
---@param range aieditor.Range|nil
function M.save(kind, range)
  local s = session.current
  if not s then
    log.error("no session is open: send a prompt to start one, or :AiEditor open")
    return
  end
  local buf = vim.api.nvim_get_current_buf()
  kind = kind or M.kind_for_filetype(vim.bo[buf].filetype)
  if kind ~= "jsx" and kind ~= "css" then
    log.error(("cannot tell JSX from CSS for filetype %q: use :AiEditor save jsx|css"):format(vim.bo[buf].filetype))
    return
  end
  local text = M.region_text(buf, M.region(buf, range))
  local current = session.current_component()
  local component = {
    id = current and current.id or nil,
    name = current and current.name or nil,
    jsx = current and current.jsx or "",
    css = current and current.css or "",
  }
  component[kind] = text
  require("aieditor").request("components/save", { sessionId = s.id, component = component }, function(result)
    local c = result.component
    session.set_component(c)
    log.info(("saved %s version %s"):format(c.name or c.id, tostring(c.version)))
  end)
end

return M
