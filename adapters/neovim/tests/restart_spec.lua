-- A new Neovim (and a new server) reopens the sessions that chat_spec and
-- components_spec left behind: everything is still there.
local ai = require("aieditor")
local session = require("aieditor.session")
local chat = require("aieditor.chat")

local chat_state = T.read_json(T.root .. "/chat_state.json")
local comp_state = T.read_json(T.root .. "/components_state.json")
local import_state = T.read_json(T.root .. "/import_state.json")

local function open(id)
  vim.cmd("AiEditor open " .. id)
  T.wait_for(function()
    return session.current and session.current.id == id
  end, "session/open " .. id)
end

T.test("the chat session is still there after a restart", function()
  local seen = T.capture_notifications()
  open(chat_state.session)
  vim.cmd("AiEditor chat")
  local msgs = vim.tbl_map(function(m)
    return { id = m.id, role = m.role, content = m.content, status = m.status }
  end, session.current.messages)
  T.eq(msgs, chat_state.messages, "every message, with its id, content and status")
  local text = table.concat(chat.lines(), "\n")
  for _, m in ipairs(chat_state.messages) do
    T.ok(text:find(m.content, 1, true), "the chat buffer shows: " .. m.content:sub(1, 40))
  end
  local comp = session.current_component()
  T.eq(comp and { comp.id, comp.version, comp.jsx, comp.css }, { chat_state.component.id, chat_state.component.version, chat_state.component.jsx, chat_state.component.css }, "the current component")
  T.ok(ai.statusline():match("^✅ Saved %d%d:%d%d:%d%d$"), "the status is saved: " .. ai.statusline())
  T.ok(not T.find_notification(seen, ".", vim.log.levels.ERROR), "no errors: " .. vim.inspect(seen))
end)

T.test("the component session is still there after a restart", function()
  open(comp_state.session)
  local comp = session.current_component()
  T.eq(comp and { comp.id, comp.version, comp.jsx, comp.css }, { comp_state.component.id, comp_state.component.version, comp_state.component.jsx, comp_state.component.css }, "the current component, latest version")

  local versions
  local original_select = vim.ui.select
  vim.ui.select = function(items, _, on_choice)
    versions = items
    on_choice(nil)
  end
  vim.cmd("AiEditor history")
  T.wait_for(function()
    return versions ~= nil
  end, "the history")
  vim.ui.select = original_select
  T.eq(#versions, comp_state.versions, "every version is kept")

  vim.cmd("enew")
  vim.bo.filetype = "css"
  vim.cmd("AiEditor insert css")
  T.eq(T.lines(), T.split((comp_state.component.css:gsub("\n$", ""))), "insert uses the saved CSS")
  vim.cmd("bwipeout!")
end)

T.test("the imported session is still there after a restart", function()
  open(import_state.session)
  T.eq(#session.current.messages, import_state.messages)
end)

T.test("sessions lists every session", function()
  local items
  local original_select = vim.ui.select
  vim.ui.select = function(list, _, on_choice)
    items = list
    on_choice(nil)
  end
  vim.cmd("AiEditor sessions")
  T.wait_for(function()
    return items ~= nil
  end, "the session list")
  vim.ui.select = original_select
  T.ok(items[1].new, "New session comes first")
  local ids = vim.tbl_map(function(s)
    return s.id
  end, vim.list_slice(items, 2))
  for _, id in ipairs({ chat_state.session, comp_state.session, import_state.session }) do
    T.ok(vim.tbl_contains(ids, id), id .. " is listed: " .. vim.inspect(ids))
  end
end)

T.test("open without an id picks a session or starts a new one", function()
  local original_select, original_input = vim.ui.select, vim.ui.input
  local offered
  -- Pick the chat session from the list.
  vim.ui.select = function(items, opts, on_choice)
    offered = vim.tbl_map(opts.format_item, items)
    for _, item in ipairs(items) do
      if item.id == chat_state.session then
        return on_choice(item)
      end
    end
  end
  open(comp_state.session)
  vim.cmd("AiEditor open")
  T.wait_for(function()
    return session.current.id == chat_state.session
  end, "the picked session to open")
  T.eq(offered[1], "New session", "the first choice makes a new session")
  -- Choose "New session": it starts at once, with an id made up for it.
  vim.ui.select = function(items, _, on_choice)
    on_choice(items[1])
  end
  vim.cmd("AiEditor open")
  T.wait_for(function()
    return session.current.id:match("^s%-")
  end, "the new session to open")
  T.eq(#session.current.messages, 0)
  vim.ui.select, vim.ui.input = original_select, original_input
end)
