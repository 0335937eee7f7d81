-- Apply a component to its own files after a diff, apply a second version to
-- the same files, then restore the first from the history: the files on disk
-- and in buffers follow, the CSS is imported exactly once, and `u` undoes the
-- restore in the buffer.
local ai = require("aieditor")
local session = require("aieditor.session")
local apply = require("aieditor.apply")

ai.setup({ offline_delay_ms = 0 })
local notes = T.capture_notifications()

local app = T.root .. "/apply-app"
vim.fn.mkdir(app .. "/src/components", "p")
vim.cmd("cd " .. vim.fn.fnameescape(app))

local events = {}
for _, name in ipairs({ "AiEditorApplied", "AiEditorRestored", "AiEditorReview" }) do
  vim.api.nvim_create_autocmd("User", {
    pattern = name,
    callback = function()
      events[name] = (events[name] or 0) + 1
    end,
  })
end

local function wait_event(name, count, what)
  T.wait_for(function()
    return (events[name] or 0) >= count
  end, what or name)
end

local function send(text)
  vim.cmd("AiEditor send " .. text)
  T.wait_for(function()
    return session.current.sending == nil
  end, "the reply to " .. text, 60000)
end

local function read(path)
  return table.concat(vim.fn.readfile(path), "\n") .. "\n"
end

local function count(haystack, needle)
  local n, at = 0, 1
  while true do
    local i = haystack:find(needle, at, true)
    if not i then
      return n
    end
    n, at = n + 1, i + #needle
  end
end

local function diff_windows()
  local n = 0
  for _, tab in ipairs(vim.api.nvim_list_tabpages()) do
    for _, win in ipairs(vim.api.nvim_tabpage_list_wins(tab)) do
      if vim.wo[win].diff then
        n = n + 1
      end
    end
  end
  return n
end

local name, jsx_path, css_path, v1

T.test("apply shows the diff in a split and writes nothing", function()
  vim.cmd("AiEditor open nvim-apply")
  T.wait_for(function()
    return session.current and session.current.id == "nvim-apply"
  end, "session/open")
  send("A pricing card with three tiers")
  v1 = vim.deepcopy(session.current_component())
  name = v1.name
  jsx_path = app .. "/src/components/" .. name .. ".jsx"
  css_path = app .. "/src/components/" .. name .. ".css"

  local tabs = #vim.api.nvim_list_tabpages()
  vim.cmd("AiEditor apply")
  wait_event("AiEditorReview", 1)
  T.eq(#vim.api.nvim_list_tabpages(), tabs + 2, "a tab per file")
  T.eq(diff_windows(), 4, "each tab is a diff split: now | proposed")
  local plan = apply.pending()
  T.eq(vim.tbl_map(function(f)
    return f.path
  end, plan.files), { jsx_path, css_path }, "the files go to src/components/")
  local proposed = table.concat(T.lines(0), "\n")
  T.eq(count(proposed, ('import "./%s.css";'):format(name)), 1, "the proposed JSX imports its CSS once:\n" .. proposed)
  T.eq(vim.fn.filereadable(jsx_path), 0, "nothing written yet")
end)

T.test("apply! writes <Name>.jsx and <Name>.css and closes the diff", function()
  local tabs = #vim.api.nvim_list_tabpages()
  vim.cmd("AiEditor apply!")
  wait_event("AiEditorApplied", 1)
  T.eq(#vim.api.nvim_list_tabpages(), tabs - 2, "the review's tabs are closed")
  T.eq(diff_windows(), 0)
  local jsx = read(jsx_path)
  T.eq(count(jsx, ('import "./%s.css";'):format(name)), 1, "the import is there once:\n" .. jsx)
  T.eq(count(jsx, "import React"), count(v1.jsx, "import React"), "no import is duplicated")
  T.eq(read(css_path), v1.css)
  local files = ai.client():request_sync("components/files", { sessionId = "nvim-apply", componentId = v1.id }, 5000)
  T.eq(#files.files, 2, "the server remembers both files: " .. vim.inspect(files))
end)

local jsx_buf, v2

T.test("a second version applied updates the same files and the buffer showing them", function()
  vim.cmd("edit " .. vim.fn.fnameescape(jsx_path))
  jsx_buf = vim.api.nvim_get_current_buf()
  send("Make the button blue")
  v2 = vim.deepcopy(session.current_component())
  T.wait_for(function()
    return T.find_notification(notes, (vim.pesc(("%s v%d is newer than its files (v%d): :AiEditor apply"):format(name, v2.version, v1.version))))
  end, "the files are said to be behind: " .. vim.inspect(notes))
  T.eq(v2.id, v1.id, "a new version of the same component")
  T.eq(v2.version, v1.version + 1)
  vim.cmd("AiEditor apply!")
  wait_event("AiEditorApplied", 2)
  local jsx = read(jsx_path)
  T.eq(count(jsx, ('import "./%s.css";'):format(name)), 1, "still one import:\n" .. jsx)
  T.eq(table.concat(T.lines(jsx_buf), "\n") .. "\n", jsx, "the buffer shows the file")
  T.eq(vim.bo[jsx_buf].modified, false, "and is saved")
  T.eq(read(css_path), v2.css)
  T.ok(v2.css ~= v1.css, "the second version changed the CSS")
  T.eq(vim.fn.sort(vim.fn.readdir(app .. "/src/components")), { name .. ".css", name .. ".jsx" }, "no duplicates")
end)

T.test("history lists number, time, origin and current; a restore shows the diff first, then updates the files", function()
  local offered, confirm_prompt, diff_while_confirming
  local original = vim.ui.select
  vim.ui.select = function(items, opts, on_choice)
    if opts.kind == "aieditor.version" then
      offered = vim.tbl_map(opts.format_item, items)
      for _, v in ipairs(items) do
        if v.version == v1.version then
          return on_choice(v)
        end
      end
    else
      confirm_prompt = opts.prompt
      diff_while_confirming = diff_windows()
      return on_choice(items[1])
    end
  end
  vim.cmd("AiEditor history")
  wait_event("AiEditorRestored", 1)
  vim.ui.select = original
  T.eq(#offered, 2, vim.inspect(offered))
  T.ok(offered[1]:match("^v2 · .+ · “Make the button blue” · current$"), offered[1])
  T.ok(offered[2]:match("^v1 · .+ · “A pricing card with three tiers”$"), offered[2])
  T.ok(diff_while_confirming >= 2, "the diff was open while asking: " .. tostring(diff_while_confirming))
  T.ok(confirm_prompt:find("Restore v1", 1, true), confirm_prompt)
  T.eq(diff_windows(), 0, "the diff is closed after the answer")

  local v3 = session.current_component()
  T.eq(v3.version, v1.version + 2)
  local rendered = ai.client():request_sync("components/render", { sessionId = "nvim-apply", target = "files" }, 5000)
  T.eq(read(jsx_path), rendered.jsx, "the JSX file holds the restored version")
  T.eq(read(css_path), v1.css, "so does the CSS file")
  T.eq(table.concat(T.lines(jsx_buf), "\n") .. "\n", rendered.jsx, "and the buffer")

  -- The restore is one undoable change in each buffer (the CSS differs
  -- between v1 and v2: "Make the button blue").
  local css_buf = vim.fn.bufnr(css_path)
  T.ok(css_buf ~= -1, "the CSS file has a buffer")
  T.eq(table.concat(T.lines(css_buf), "\n") .. "\n", v1.css)
  vim.api.nvim_buf_call(css_buf, function()
    vim.cmd("silent undo")
  end)
  T.eq(table.concat(T.lines(css_buf), "\n") .. "\n", v2.css, "u undoes the restore in the buffer")
  vim.api.nvim_buf_call(css_buf, function()
    vim.cmd("silent redo")
  end)

  offered = nil
  vim.ui.select = function(items, opts, on_choice)
    offered = vim.tbl_map(opts.format_item, items)
    on_choice(nil)
  end
  vim.cmd("AiEditor history")
  T.wait_for(function()
    return offered
  end, "the history again")
  vim.ui.select = original
  T.ok(offered[1]:match("^v3 · .+ · restored from v1 · current$"), offered[1])
end)

T.test("apply with a folder writes there; unsaved changes in a buffer are never overwritten", function()
  local other = app .. "/elsewhere"
  vim.cmd("AiEditor apply! " .. vim.fn.fnameescape(other))
  wait_event("AiEditorApplied", 4) -- the third was the restore's
  T.eq(vim.fn.filereadable(other .. "/" .. name .. ".jsx"), 1)

  vim.api.nvim_buf_set_lines(jsx_buf, 0, 0, false, { "// my unsaved edit" })
  local before = read(jsx_path)
  vim.cmd("AiEditor apply!")
  T.wait_for(function()
    return T.find_notification(notes, "unsaved changes", vim.log.levels.ERROR)
  end, "the refusal")
  T.eq(read(jsx_path), before, "the file is unchanged")
  T.eq(T.lines(jsx_buf)[1], "// my unsaved edit", "and so is the buffer")
  vim.api.nvim_buf_call(jsx_buf, function()
    vim.cmd("silent undo")
  end)
  T.eq(vim.bo[jsx_buf].modified, false)

  -- Another program changes the file while its buffer is loaded.
  local outside = vim.fn.readfile(jsx_path)
  table.insert(outside, 1, "// written by another program")
  vim.fn.writefile(outside, jsx_path)
  vim.cmd("AiEditor apply!")
  T.wait_for(function()
    return T.find_notification(notes, "changed on disk", vim.log.levels.ERROR)
  end, "the refusal")
  T.eq(vim.fn.readfile(jsx_path), outside, "the other program's change is kept")
end)

T.test("the default folder: apply.dir, else src/components/, else the current file's folder", function()
  local elsewhere = T.root .. "/no-components"
  vim.fn.mkdir(elsewhere .. "/pages", "p")
  vim.cmd("cd " .. vim.fn.fnameescape(elsewhere))
  vim.cmd("edit " .. vim.fn.fnameescape(elsewhere .. "/pages/Home.jsx"))
  T.eq(apply.default_dir(), elsewhere .. "/pages", "the current file's folder")
  ai.setup({ offline_delay_ms = 0, apply = { dir = "ui/parts" } })
  T.eq(apply.default_dir(), elsewhere .. "/ui/parts", "apply.dir, from the current directory")
  ai.setup({ offline_delay_ms = 0, apply = { dir = function()
    return "/tmp/x"
  end } })
  T.eq(apply.default_dir(), "/tmp/x", "or a function")
  ai.setup({ offline_delay_ms = 0 })
  vim.cmd("cd " .. vim.fn.fnameescape(app))
  T.eq(apply.default_dir(), app .. "/src/components", "src/components/ wins over the file's folder")
  vim.cmd("bwipeout!")
end)

T.test("history items say what made each version", function()
  local history = require("aieditor.history")
  local now = require("aieditor.status").parse_time("2026-12-03T12:00:00Z")
  local function item(v)
    return history.format_version(vim.tbl_extend("keep", v, { updatedAt = "2026-12-03T11:57:00Z" }), now)
  end
  T.eq(item({ version = 4, origin = { kind = "synced" }, current = true }), "v4 · 3 min ago · from another device · current")
  T.eq(item({ version = 3, origin = { kind = "manual" }, current = false }), "v3 · 3 min ago · manual save")
  T.eq(item({ version = 2, origin = { kind = "restored", fromVersion = 1 } }), "v2 · 3 min ago · restored from v1")
  T.eq(item({ version = 1, origin = { kind = "prompt" } }), "v1 · 3 min ago · from a prompt")
  T.eq(item({ version = 1, origin = { kind = "unknown" }, updatedAt = "2026-11-02T12:00:00Z" }), "v1 · 2026-11-02 · origin unknown")
end)

T.test("no other error was shown", function()
  local errors = vim.tbl_filter(function(n)
    return n.level == vim.log.levels.ERROR and not n.msg:find("unsaved changes", 1, true)
      and not n.msg:find("changed on disk", 1, true)
  end, notes)
  T.eq(errors, {})
end)
