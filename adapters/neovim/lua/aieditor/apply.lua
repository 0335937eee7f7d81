---@mod aieditor.apply Writing a component to its own files, after a diff.
---
--- `:AiEditor apply [dir]` shows what would change (|aieditor.diffview|);
--- `:AiEditor apply! [dir]` writes `<Name>.jsx` and `<Name>.css`. The server
--- renders the files (`components/render`, the JSX importing its CSS once)
--- and remembers where they went (`components/applied`), so the next apply,
--- a restore or a synced version updates the same files. Files are written
--- through their buffers, so a buffer showing one follows, and `u` in it
--- undoes the change.

local config = require("aieditor.config")
local diffview = require("aieditor.diffview")
local log = require("aieditor.log")
local session = require("aieditor.session")

local M = {}

---@class aieditor.PlannedFile
---@field path string absolute
---@field kind "jsx"|"css"
---@field text string

---@class aieditor.ApplyPlan
---@field sessionId string
---@field componentId string
---@field version integer
---@field name string
---@field files aieditor.PlannedFile[]

---The open review of `:AiEditor apply` (or of a restore), accepted by `apply!`.
---@type {plan: aieditor.ApplyPlan, review: aieditor.Review, dir: string|nil}|nil
local pending

local function ai()
  return require("aieditor")
end

---The workspace: Neovim's current directory.
---@return string
local function workspace()
  return vim.fn.getcwd()
end

---@param dir string
---@return string
local function absolute(dir)
  return (vim.fn.fnamemodify(vim.fn.expand(dir), ":p"):gsub("/$", ""))
end

---Where a component goes when no folder is given and none was used before:
---`apply.dir` (a path, relative to the workspace, or a function returning
---one), else the workspace's src/components/ when it exists, else the
---current file's folder, else the workspace.
---@return string
function M.default_dir()
  local configured = config.options.apply and config.options.apply.dir
  if type(configured) == "function" then
    configured = configured()
  end
  if type(configured) == "string" and configured ~= "" then
    if configured:sub(1, 1) ~= "/" and configured:sub(1, 1) ~= "~" then
      configured = workspace() .. "/" .. configured
    end
    return absolute(configured)
  end
  local components = workspace() .. "/src/components"
  if vim.fn.isdirectory(components) == 1 then
    return absolute(components)
  end
  local name = vim.api.nvim_buf_get_name(0)
  if vim.bo.buftype == "" and name ~= "" and not name:match("^%a+://") then
    return absolute(vim.fn.fnamemodify(name, ":p:h"))
  end
  return absolute(workspace())
end

---The text a file holds now: its buffer's lines when loaded, else the disk's.
---@param path string
---@return string
local function text_now(path)
  local buf = vim.fn.bufnr(path)
  if buf ~= -1 and vim.api.nvim_buf_is_loaded(buf) then
    return table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), "\n") .. "\n"
  end
  if vim.fn.filereadable(path) == 1 then
    return table.concat(vim.fn.readfile(path), "\n") .. "\n"
  end
  return ""
end

---Where each kind goes: the files recorded for the component (all of them),
---or `<dir>/<Name>.jsx|css`. A recorded CSS file of another name (the
---component was renamed) keeps its name, and the JSX beside it imports it.
---@param rendered table components/render's files result
---@param recorded table[] components/files' files
---@param dir string|nil
---@return aieditor.PlannedFile[]
local function place(rendered, recorded, dir)
  local files = {}
  if dir or #recorded == 0 then
    dir = dir and absolute(dir) or M.default_dir()
    return {
      { path = dir .. "/" .. rendered.jsxFileName, kind = "jsx", text = rendered.jsx },
      { path = dir .. "/" .. rendered.cssFileName, kind = "css", text = rendered.css },
    }
  end
  local css_in = {}
  for _, f in ipairs(recorded) do
    if f.kind == "css" then
      css_in[vim.fn.fnamemodify(f.path, ":h")] = vim.fn.fnamemodify(f.path, ":t")
    end
  end
  for _, f in ipairs(recorded) do
    local text = rendered[f.kind]
    local css_name = css_in[vim.fn.fnamemodify(f.path, ":h")]
    if f.kind == "jsx" and css_name and css_name ~= rendered.cssFileName then
      local from, to = ('"./%s"'):format(rendered.cssFileName), ('"./%s"'):format(css_name)
      local at = text:find(from, 1, true)
      if at then
        text = text:sub(1, at - 1) .. to .. text:sub(at + #from)
      end
    end
    table.insert(files, { path = f.path, kind = f.kind, text = text })
  end
  return files
end

---Renders a version (default: the current component, latest) and decides
---where its files go.
---@param opts {dir: string|nil, componentId: string|nil, version: integer|nil}
---@param callback fun(plan: aieditor.ApplyPlan)
function M.plan(opts, callback)
  local s = session.current
  if not s then
    log.error("no session is open: send a prompt or use :AiEditor open")
    return
  end
  local id = s.id
  ai().request("components/render", {
    sessionId = id,
    componentId = opts.componentId,
    version = opts.version,
    target = "files",
  }, function(rendered)
    ai().request("components/files", { sessionId = id, componentId = rendered.componentId }, function(result)
      local comp = session.current_component()
      callback({
        sessionId = id,
        componentId = rendered.componentId,
        version = rendered.version,
        name = (comp and comp.id == rendered.componentId and comp.name) or rendered.jsxFileName:gsub("%.jsx$", ""),
        files = place(rendered, result.files or {}, opts.dir),
      })
    end)
  end)
end

---@param path string
---@return string
local function shown(path)
  return vim.fn.fnamemodify(path, ":~:.")
end

---@param kind string
---@return string
local function filetype_of(kind)
  return kind == "jsx" and "javascriptreact" or "css"
end

---Opens the review of a plan; `apply!` accepts it.
---@param plan aieditor.ApplyPlan
---@param dir string|nil
---@param hint string
---@return boolean opened false when every file already holds its text
function M.review(plan, dir, hint)
  M.close_review()
  -- A pair per changed file only, so the plan's files line up with the review's.
  local pairs, changed = {}, {}
  for _, f in ipairs(plan.files) do
    local now = text_now(f.path)
    if now ~= f.text then
      table.insert(pairs, { title = shown(f.path), old = now, new = f.text, filetype = filetype_of(f.kind) })
      table.insert(changed, f)
    end
  end
  if #pairs == 0 then
    return false
  end
  plan = vim.tbl_extend("force", plan, { files = changed })
  pending = { plan = plan, review = diffview.open(pairs, hint), dir = dir }
  session.fire("AiEditorReview")
  return true
end

---Closes the open review, if any, without writing.
function M.close_review()
  if pending then
    diffview.close(pending.review)
    pending = nil
  end
end

---The open review's plan (tests, statuslines).
---@return aieditor.ApplyPlan|nil
function M.pending()
  return pending and diffview.is_open(pending.review) and pending.plan or nil
end

---Writes the files through their buffers (one undo step each) and records
---them with `components/applied`. Refuses, writing nothing, when a buffer of
---one has unsaved changes.
---@param plan aieditor.ApplyPlan
---@param on_done fun(written: string[])|nil
function M.write(plan, on_done)
  for _, f in ipairs(plan.files) do
    local buf = vim.fn.bufnr(f.path)
    if buf ~= -1 and vim.api.nvim_buf_is_loaded(buf) then
      if vim.bo[buf].modified then
        log.error(("%s has unsaved changes: write or undo them, then apply again"):format(shown(f.path)))
        return
      end
      -- Written to by something else since it was read: writing the buffer
      -- would drop that change.
      local lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
      local disk = vim.fn.filereadable(f.path) == 1 and vim.fn.readfile(f.path) or lines
      if vim.bo[buf].fileformat == "dos" then
        disk = vim.tbl_map(function(l)
          return (l:gsub("\r$", ""))
        end, disk)
      end
      if not vim.deep_equal(disk, lines) then
        log.error(("%s changed on disk: reload it (:e), then apply again"):format(shown(f.path)))
        return
      end
    end
  end
  local written = {}
  for _, f in ipairs(plan.files) do
    local ok, err = pcall(function()
      vim.fn.mkdir(vim.fn.fnamemodify(f.path, ":h"), "p")
      local buf = vim.fn.bufadd(f.path)
      vim.fn.bufload(buf)
      vim.bo[buf].buflisted = true
      local lines = diffview.lines_of(f.text)
      if not vim.deep_equal(vim.api.nvim_buf_get_lines(buf, 0, -1, false), lines) then
        require("aieditor.components").as_one_undo_step(buf, function()
          vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
        end)
      end
      if vim.bo[buf].modified or vim.fn.filereadable(f.path) == 0 then
        vim.api.nvim_buf_call(buf, function()
          vim.cmd("silent keepalt write!")
        end)
      end
    end)
    if ok then
      table.insert(written, f)
    else
      log.error(("could not write %s: %s"):format(shown(f.path), tostring(err):gsub("^Vim%(%a+%):", "")))
    end
  end
  if #written == 0 then
    return
  end
  local files = vim.tbl_map(function(f)
    return { path = f.path, kind = f.kind }
  end, written)
  ai().request("components/applied", {
    sessionId = plan.sessionId,
    componentId = plan.componentId,
    version = plan.version,
    files = files,
  }, function()
    -- One short line (no hit-enter prompt): the folder when they share one.
    local dirs = {}
    for _, f in ipairs(written) do
      dirs[vim.fn.fnamemodify(f.path, ":h")] = true
    end
    local where = vim.tbl_count(dirs) == 1 and shown(vim.fn.fnamemodify(written[1].path, ":h")) .. "/"
      or table.concat(vim.tbl_map(function(f)
        return shown(f.path)
      end, written), ", ")
    log.info(("wrote %s v%d to %s"):format(plan.name, plan.version, where))
    session.fire("AiEditorApplied")
    if on_done then
      on_done(vim.tbl_map(function(f)
        return f.path
      end, written))
    end
  end)
end

---`:AiEditor apply[!] [dir]`: without `!` shows the diff; with it writes
---(the open review, as possibly edited, when there is one).
---@param dir string|nil
---@param write boolean
function M.apply(dir, write)
  if dir == "" then
    dir = nil
  end
  if write and pending and diffview.is_open(pending.review) and (dir == nil or dir == pending.dir) then
    local plan = pending.plan
    local texts = diffview.texts(pending.review)
    for i, f in ipairs(plan.files) do
      if texts[i] then
        f.text = texts[i]
      end
    end
    M.close_review()
    M.write(plan)
    return
  end
  M.plan({ dir = dir }, function(plan)
    if write then
      M.close_review()
      M.write(plan)
    elseif not M.review(plan, dir, ":AiEditor apply! writes it") then
      log.info(("%s v%d is already in %s"):format(plan.name, plan.version, shown(plan.files[1].path)))
    end
  end)
end

---After a new version from a reply or another device: says so when files
---hold an older version of the component, and how to update them.
---@param component aieditor.Component
function M.tell_if_behind(component)
  local s = session.current
  if not s or not component or component.sessionId ~= s.id then
    return
  end
  ai().request("components/files", { sessionId = s.id, componentId = component.id }, function(result)
    local behind = vim.tbl_filter(function(f)
      return (f.version or 0) < (component.version or 0)
    end, result.files or {})
    if #behind > 0 then
      log.info(("%s v%d is newer than its files (v%d): :AiEditor apply"):format(
        component.name or "the component",
        component.version,
        behind[1].version or 0
      ))
      session.fire("AiEditorBehind")
    end
  end, {
    on_error = function(err)
      log.write(vim.log.levels.WARN, "components/files: " .. (err.message or ""))
      return true
    end,
  })
end

---After a new version (a restore): updates the files the component was
---applied to, if any, as an undoable change.
---@param component_id string
---@param on_done fun(written: string[])|nil
function M.update_applied(component_id, on_done)
  local s = session.current
  if not s then
    return
  end
  ai().request("components/files", { sessionId = s.id, componentId = component_id }, function(result)
    if #(result.files or {}) == 0 then
      if on_done then
        on_done({})
      end
      return
    end
    M.plan({ componentId = component_id }, function(plan)
      M.write(plan, on_done)
    end)
  end)
end

return M
