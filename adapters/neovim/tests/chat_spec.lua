-- Open a session, send prompts from the command and from the prompt line,
-- watch deltas stream into the chat buffer and the save state go from
-- saving to saved, and cancel a reply.
local ai = require("aieditor")
local session = require("aieditor.session")
local chat = require("aieditor.chat")

-- A pause between deltas makes the stream observable without being slow.
ai.setup({ offline_delay_ms = 30 })

local SESSION = "nvim-chat"
vim.cmd("syntax on")

local statuses = {}
local deltas = {}
vim.api.nvim_create_autocmd("User", {
  pattern = "AiEditorStatus",
  callback = function()
    -- The save state; while the reply streams the statusline shows "Generating…".
    table.insert(statuses, require("aieditor.status").format(require("aieditor.status").current))
  end,
})
vim.api.nvim_create_autocmd("User", {
  pattern = "AiEditorDelta",
  callback = function()
    table.insert(deltas, {
      text = table.concat(chat.lines(), "\n"),
      pending = session.current.sending ~= nil,
      status = ai.statusline(),
    })
  end,
})

local function chat_text()
  return table.concat(chat.lines(), "\n")
end

local function wait_reply(what)
  T.wait_for(function()
    return session.current and session.current.sending == nil
  end, what or "the chat/send reply", 60000)
end

T.test("open a session", function()
  vim.cmd("AiEditor open " .. SESSION)
  T.wait_for(function()
    return session.current and session.current.id == SESSION
  end, "session/open")
  T.eq(#session.current.messages, 0, "a new session has no messages")
  T.ok(ai.statusline() ~= "", "the statusline shows the state once a session is open")
end)

T.test("send a prompt; deltas stream into the chat buffer", function()
  vim.cmd("AiEditor chat")
  T.ok(chat.is_open(), "the chat window is open")
  T.eq(vim.bo[chat.buf()].filetype, "markdown")
  statuses, deltas = {}, {}
  local prompt = "Make a pricing card with a title and a buy button"
  vim.cmd("AiEditor send " .. prompt)
  T.ok(chat_text():find(prompt, 1, true), "the prompt shows at once")
  T.wait_for(function()
    return #deltas >= 1
  end, "the first chat/delta")
  wait_reply()

  local msgs = session.current.messages
  T.eq(#msgs, 2, "user and assistant messages")
  local user, assistant = msgs[1], msgs[2]
  T.eq({ user.role, user.content, user.status }, { "user", prompt, "complete" })
  T.eq({ assistant.role, assistant.status }, { "assistant", "complete" })
  T.ok(user.id and assistant.id, "the server's messages have ids")

  -- Deltas were rendered while the request was still pending, and grew.
  T.ok(#deltas >= 2, "several deltas arrived, got " .. #deltas)
  T.ok(deltas[1].pending, "the first delta was rendered before the reply")
  T.ok(deltas[1].text:find("## Assistant …", 1, true), "a streaming assistant message is shown")
  for i = 2, #deltas do
    T.ok(#deltas[i].text > #deltas[i - 1].text, "the chat buffer grows with each delta")
  end
  T.ok(not deltas[1].text:find(assistant.content, 1, true), "the first delta is not the whole reply")
  for _, d in ipairs(deltas) do
    T.ok(d.status:match("^⏳ Generating… %d+ s$"), "while streaming the statusline says so: " .. d.status)
  end

  -- The final buffer holds the whole reply, rendered as markdown.
  local text = chat_text()
  T.ok(text:find("## You", 1, true) and text:find("## Assistant", 1, true), "markdown headings")
  T.ok(text:find(assistant.content, 1, true), "the whole reply is in the chat buffer")
  T.ok(not text:find("## Assistant …", 1, true), "no message is left streaming")

  local comp = session.current_component()
  T.ok(comp, "the reply made a current component")
  T.ok(comp.jsx:find("function") or comp.jsx:find("=>"), "the component's JSX is a function component")
  T.ok(comp.css ~= "", "the component has CSS")
end)

T.test("code fences are highlighted in their language and folded to one line", function()
  local win = chat.win()
  T.eq(vim.g.markdown_fenced_languages, nil, "the user's fenced languages are left as they were")
  T.eq(vim.api.nvim_win_get_width(win), math.min(math.max(50, math.floor(vim.o.columns * 0.4)), vim.o.columns - 20), "the default width")
  local lines = vim.api.nvim_buf_get_lines(chat.buf(), 0, -1, false)
  local fence
  for i, l in ipairs(lines) do
    if l:match("^```jsx") then
      fence = i
      break
    end
  end
  T.ok(fence, "the reply has a jsx fence")
  local groups = vim.api.nvim_win_call(win, function()
    return vim.tbl_map(function(id)
      return vim.fn.synIDattr(id, "name")
    end, vim.fn.synstack(fence + 1, 1))
  end)
  T.ok(vim.tbl_contains(groups, "markdownHighlightjavascriptreact"), "JSX highlighting: " .. vim.inspect(groups))
  vim.api.nvim_win_call(win, function()
    T.eq(vim.fn.foldclosed(fence + 1), fence, "the code is folded")
    T.ok(vim.fn.foldtextresult(fence):match("^▸ jsx · %d+ lines"), vim.fn.foldtextresult(fence))
    T.eq(vim.fn.foldclosed(1), -1, "the prose is not")
  end)
end)

T.test("the statusline goes from saving to saved", function()
  local saving, saved
  for i, s in ipairs(statuses) do
    if s == "⏳ Saving…" and not saving then
      saving = i
    end
    if saving and i > saving and s:match("^✅ Saved %d%d:%d%d:%d%d$") then
      saved = i
    end
  end
  T.ok(saving, "⏳ Saving… was shown; saw " .. vim.inspect(statuses))
  T.ok(saved, "✅ Saved HH:MM:SS followed; saw " .. vim.inspect(statuses))
  T.wait_for(function()
    return ai.statusline():match("^✅ Saved %d%d:%d%d:%d%d$")
  end, "the final state to be saved")
  -- The chat window shows the same state: winbar on 0.8+, statusline on 0.7.
  local win = chat.win()
  local opt = vim.fn.has("nvim-0.8") == 1 and "winbar" or "statusline"
  local title = vim.wo[win][opt]
  T.ok(title:find(ai.statusline(), 1, true), "chat window " .. opt .. " shows the state: " .. title)
  T.ok(title:find(SESSION, 1, true), "and the session id")
end)

T.test("the prompt line at the bottom sends", function()
  vim.api.nvim_set_current_win(chat.win())
  local keys = vim.api.nvim_replace_termcodes("AMake the button blue<CR><Esc>", true, false, true)
  vim.api.nvim_feedkeys(keys, "tx", false)
  T.wait_for(function()
    return #session.current.messages >= 3
  end, "the prompt to be sent")
  wait_reply()
  local msgs = session.current.messages
  T.eq(#msgs, 4)
  T.eq({ msgs[3].role, msgs[3].content }, { "user", "Make the button blue" })
  T.eq({ msgs[4].role, msgs[4].status }, { "assistant", "complete" })
  T.ok(chat_text():find(msgs[4].content, 1, true), "the second reply is in the chat buffer")
  vim.cmd("wincmd p")
end)

T.test("the chat window toggles and keeps its buffer", function()
  local buf = chat.buf()
  vim.cmd("AiEditor chat")
  T.ok(not chat.is_open(), "closed")
  vim.cmd("AiEditor chat")
  T.ok(chat.is_open(), "open again")
  T.eq(vim.api.nvim_win_get_buf(chat.win()), buf)
  T.ok(chat_text():find(session.current.messages[4].content, 1, true), "the conversation is still there")
end)

T.test("cancel interrupts a streaming reply", function()
  local seen = T.capture_notifications()
  deltas = {}
  vim.cmd("AiEditor send Make a very long data table with sorting and paging")
  T.wait_for(function()
    return #deltas >= 1
  end, "the first delta")
  vim.cmd("AiEditor cancel")
  wait_reply("the cancelled request to end")
  T.ok(T.find_notification(seen, "The reply was stopped before it finished", vim.log.levels.INFO), "cancel is reported as info: " .. vim.inspect(seen))
  T.ok(not T.find_notification(seen, ".", vim.log.levels.ERROR), "no error is shown")
  -- The server kept what arrived, marked interrupted; the plugin reloads it.
  T.wait_for(function()
    local m = session.current.messages
    return #m == 6 and m[6].status == "interrupted"
  end, "the interrupted reply to be reloaded")
  T.ok(chat_text():find("## Assistant (interrupted)", 1, true), "the chat shows it as interrupted")
end)

T.test("the chat opens in a float or a tab as configured", function()
  vim.cmd("AiEditor chat")
  T.ok(not chat.is_open())
  ai.setup({ offline_delay_ms = 30, chat = { position = "float" } })
  vim.cmd("AiEditor chat")
  T.eq(vim.api.nvim_win_get_config(chat.win()).relative, "editor", "a floating window")
  vim.cmd("AiEditor chat")
  T.ok(not chat.is_open())
  local tabs = #vim.api.nvim_list_tabpages()
  ai.setup({ offline_delay_ms = 30, chat = { position = "tab" } })
  vim.cmd("AiEditor chat")
  T.eq(#vim.api.nvim_list_tabpages(), tabs + 1, "a tab of its own")
  T.eq(#vim.api.nvim_tabpage_list_wins(0), 1)
  vim.cmd("AiEditor chat")
  T.eq(#vim.api.nvim_list_tabpages(), tabs, "closing it closes the tab")
  ai.setup({ offline_delay_ms = 30 })
  vim.cmd("AiEditor chat")
end)

-- What restart_spec checks after a new Neovim reopens this session.
T.write_json(T.root .. "/chat_state.json", {
  session = SESSION,
  messages = vim.tbl_map(function(m)
    return { id = m.id, role = m.role, content = m.content, status = m.status }
  end, session.current.messages),
  component = session.current_component(),
})
