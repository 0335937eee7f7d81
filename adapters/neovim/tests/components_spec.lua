-- Insert the component's JSX and CSS into real .jsx/.css buffers, save an
-- edited version, restore an older one, export and import.
local ai = require("aieditor")
local session = require("aieditor.session")

ai.setup({ offline_delay_ms = 0 })
-- Keep INFO messages ("saved … version 2") out of the test output.
local notes = T.capture_notifications()

local SESSION = "nvim-comp"
local dir = T.root .. "/project"
vim.fn.mkdir(dir, "p")

local function strip_nl(s)
  return (s:gsub("\n$", ""))
end

local function wait_version(v)
  T.wait_for(function()
    local c = session.current_component()
    return c and c.version == v
  end, "component version " .. v)
  return session.current_component()
end

---@type aieditor.Component
local v1

T.test("a prompt makes a component", function()
  vim.cmd("AiEditor open " .. SESSION)
  T.wait_for(function()
    return session.current and session.current.id == SESSION
  end, "session/open")
  vim.cmd("AiEditor send Make a login form with email and password fields")
  T.wait_for(function()
    return session.current.sending == nil and session.current_component() ~= nil
  end, "the reply and its component", 60000)
  v1 = vim.deepcopy(session.current_component())
  T.ok(v1.jsx ~= "" and v1.css ~= "", "JSX and CSS")
end)

T.test("insert JSX at the cursor of a .jsx buffer, merging its imports, as one undo step", function()
  vim.cmd("edit " .. dir .. "/Login.jsx")
  T.eq(vim.bo.filetype, "javascriptreact")
  local before = { 'import React, { useState } from "react";', "// before", "", "// after" }
  vim.api.nvim_buf_set_lines(0, 0, -1, false, before)
  vim.api.nvim_win_set_cursor(0, { 3, 0 })
  vim.cmd("AiEditor insert jsx")
  T.wait_for(function()
    return #T.lines() > #before
  end, "the insertion")
  local text = table.concat(T.lines(), "\n")
  local _, reacts = text:gsub("import React", "")
  T.eq(reacts, 1, "one import of React, the file's own, kept:\n" .. text)
  T.eq(T.lines()[1], before[1])
  local body = v1.jsx:gsub("import[^\n]*\n", ""):gsub("^\n+", ""):gsub("\n$", "")
  T.ok(text:find("// before\n" .. body .. "\n// after", 1, true), "the component sits at the cursor:\n" .. text)
  for line in v1.jsx:gmatch("import[^\n]*") do
    if not line:find("React", 1, true) then
      T.ok(text:find(line, 1, true), "its other imports joined the file's: " .. line)
    end
  end
  local expected = T.lines()
  vim.cmd("silent undo")
  T.eq(T.lines(), before, "one undo removes the whole insertion")
  vim.cmd("silent redo")
  T.eq(T.lines(), expected, "and redo brings it back")
  vim.cmd("silent write")
end)

T.test("insert CSS into a .css buffer, replacing a linewise selection", function()
  vim.cmd("edit " .. dir .. "/Login.css")
  T.eq(vim.bo.filetype, "css")
  vim.api.nvim_buf_set_lines(0, 0, -1, false, { "/* top */", ".old {", "  color: red;", "}", "/* bottom */" })
  vim.cmd("normal! 2GV3j")
  vim.cmd("normal! \27")
  vim.cmd("'<,'>AiEditor insert css")
  local expected = { "/* top */" }
  vim.list_extend(expected, T.split(strip_nl(v1.css)))
  T.eq(T.lines(), expected, "lines 2-5 were replaced by the CSS")
  vim.cmd("silent undo")
  T.eq(T.lines(), { "/* top */", ".old {", "  color: red;", "}", "/* bottom */" }, "one undo step")
end)

T.test("insert replaces a characterwise selection", function()
  vim.cmd("enew")
  vim.bo.filetype = "css"
  vim.api.nvim_buf_set_lines(0, 0, -1, false, { "a { color: red; } z" })
  -- Select "color: red;" (columns 5..15).
  vim.api.nvim_win_set_cursor(0, { 1, 4 })
  vim.cmd("normal! v10l")
  vim.cmd("normal! \27")
  vim.cmd("'<,'>AiEditor insert css")
  local css = T.split(strip_nl(v1.css))
  local expected = vim.deepcopy(css)
  expected[1] = "a { " .. expected[1]
  expected[#expected] = expected[#expected] .. " } z"
  T.eq(T.lines(), expected)
  vim.cmd("bwipeout!")
end)

---@type aieditor.Component
local v2

T.test("save an edited version, then restore an older one", function()
  vim.cmd("edit " .. dir .. "/Edited.jsx")
  local edited = T.split(strip_nl(v1.jsx))
  table.insert(edited, 1, "// edited in Neovim")
  vim.api.nvim_buf_set_lines(0, 0, -1, false, edited)
  vim.cmd("AiEditor save")
  v2 = wait_version(v1.version + 1)
  T.eq(v2.id, v1.id, "a new version of the same component")
  T.eq(v2.jsx, table.concat(edited, "\n") .. "\n", "the buffer's text was saved as JSX")
  T.eq(v2.css, v1.css, "the CSS is kept")

  local offered
  local original_select = vim.ui.select
  vim.ui.select = function(items, opts, on_choice)
    if opts.kind == "aieditor.confirm" then
      return on_choice(items[1]) -- "Restore v1 (…)", asked with the diff open
    end
    offered = vim.tbl_map(function(c)
      return opts.format_item(c)
    end, items)
    for _, c in ipairs(items) do
      if c.version == v1.version then
        return on_choice(c)
      end
    end
    on_choice(nil)
  end
  vim.cmd("AiEditor history")
  local v3 = wait_version(v1.version + 2)
  vim.ui.select = original_select
  T.eq(#offered, v1.version + 1, "history offered every version: " .. vim.inspect(offered))
  T.ok(offered[1]:match("^v" .. v2.version), "newest first")
  T.eq(v3.jsx, v1.jsx, "the restored version has the old JSX")
  T.eq(v3.css, v1.css)

  -- And what gets inserted now is the restored JSX.
  vim.cmd("enew")
  vim.bo.filetype = "javascriptreact"
  vim.cmd("AiEditor insert jsx")
  T.wait_for(function()
    return #T.lines() > 1
  end, "the insertion")
  local files = ai.client():request_sync("components/render", { sessionId = SESSION, target = "insert", existingText = "" }, 5000)
  T.eq(table.concat(T.lines(), "\n") .. "\n", files.text, "the restored JSX, as the server renders it")
  vim.cmd("bwipeout!")
end)

T.test("save the selection as CSS", function()
  vim.cmd("enew")
  vim.bo.filetype = "css"
  vim.api.nvim_buf_set_lines(0, 0, -1, false, { "/* not this */", ".btn { color: blue; }", "/* nor this */" })
  vim.cmd("2AiEditor save")
  local c = wait_version(v1.version + 3)
  T.eq(c.css, ".btn { color: blue; }\n")
  T.eq(c.jsx, v1.jsx, "the JSX is kept")
  vim.cmd("bwipeout!")
end)

T.test("export and import a session", function()
  local file = T.root .. "/export.json"
  local exported = false
  vim.api.nvim_create_autocmd("User", {
    pattern = "AiEditorExported",
    once = true,
    callback = function()
      exported = true
    end,
  })
  vim.cmd("AiEditor export " .. vim.fn.fnameescape(file))
  T.wait_for(function()
    return exported
  end, "the export")
  local doc = T.read_json(file)
  T.ok(type(doc) == "table" and next(doc), "the export is a JSON document")
  local before = vim.deepcopy(session.current)
  local before_comp = vim.deepcopy(session.current_component())
  vim.cmd("AiEditor import " .. vim.fn.fnameescape(file))
  T.wait_for(function()
    return session.current and session.current.id ~= SESSION
  end, "the imported session to open")
  local after = session.current
  T.eq(#after.messages, #before.messages, "same number of messages")
  for i, m in ipairs(after.messages) do
    T.eq({ m.role, m.content, m.status }, { before.messages[i].role, before.messages[i].content, before.messages[i].status })
  end
  local comp = session.current_component()
  T.ok(comp, "the imported session has a current component")
  T.eq({ comp.name, comp.jsx, comp.css, comp.version }, { before_comp.name, before_comp.jsx, before_comp.css, before_comp.version })
  T.write_json(T.root .. "/import_state.json", { session = after.id, messages = #after.messages })
end)

T.test("no error was shown", function()
  T.ok(not T.find_notification(notes, ".", vim.log.levels.ERROR), vim.inspect(notes))
end)

-- What restart_spec checks after a new Neovim reopens this session.
vim.cmd("AiEditor open " .. SESSION)
T.wait_for(function()
  return session.current and session.current.id == SESSION
end, "reopening " .. SESSION)
T.write_json(T.root .. "/components_state.json", {
  session = SESSION,
  component = session.current_component(),
  versions = v1 and (v1.version + 3) or 0,
})
