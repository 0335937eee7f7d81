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
local function as_one_undo_step(buf, fn)
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
    log.error("no session is open: use :AiEditor open [id]")
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

---Inserts the current component's JSX or CSS at the cursor of the current
---buffer, or replaces the selection, as one undo step.
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
  M.with_current(function(comp)
    if not vim.api.nvim_buf_is_valid(buf) then
      return
    end
    if not vim.bo[buf].modifiable then
      log.error("the buffer is not modifiable")
      return
    end
    -- A component's text ends with a newline; the buffer brings its own.
    local text = (comp[kind] or ""):gsub("\n$", "")
    local lines = vim.split(text, "\n", { plain = true })
    as_one_undo_step(buf, function()
      if not region then
        local row, col = cursor[1] - 1, cursor[2]
        local line = vim.api.nvim_buf_get_lines(buf, row, row + 1, true)[1]
        col = math.min(col, #line)
        vim.api.nvim_buf_set_text(buf, row, col, row, col, lines)
      elseif region.linewise then
        vim.api.nvim_buf_set_lines(buf, region.srow, region.erow, false, lines)
      else
        vim.api.nvim_buf_set_text(buf, region.srow, region.scol, region.erow, region.ecol, lines)
      end
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
    log.error("no session is open: use :AiEditor open [id]")
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

---Restores a version as a new version of the component.
---@param component_id string
---@param version integer
---@param on_done fun(component: aieditor.Component)|nil
function M.restore(component_id, version, on_done)
  local s = session.current
  if not s then
    log.error("no session is open: use :AiEditor open [id]")
    return
  end
  require("aieditor").request(
    "components/restore",
    { sessionId = s.id, componentId = component_id, version = version },
    function(result)
      local c = result.component
      session.set_component(c)
      log.info(("restored version %d of %s as version %s"):format(version, c.name or c.id, tostring(c.version)))
      if on_done then
        on_done(c)
      end
    end
  )
end

---@param c aieditor.Component
---@return string
local function format_version(c)
  local first = ""
  for line in (c.jsx or ""):gmatch("[^\n]+") do
    if line:match("%S") then
      first = vim.trim(line)
      break
    end
  end
  return ("v%d  %s  %s"):format(c.version or 0, c.updatedAt or c.createdAt or "", first)
end

---Lists the versions of the current component; choosing one restores it.
function M.history()
  M.with_current(function(comp)
    local s = session.current
    require("aieditor").request(
      "components/history",
      { sessionId = s.id, componentId = comp.id },
      function(result)
        local versions = vim.deepcopy(result.versions or {})
        table.sort(versions, function(a, b)
          return (a.version or 0) > (b.version or 0)
        end)
        if #versions == 0 then
          log.warn("no versions")
          return
        end
        vim.ui.select(versions, {
          prompt = ("Restore a version of %s"):format(comp.name or comp.id),
          format_item = format_version,
          kind = "aieditor.version",
        }, function(choice)
          if choice then
            M.restore(choice.id or comp.id, choice.version)
          end
        end)
      end
    )
  end)
end

return M
