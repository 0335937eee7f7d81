-- :AiEditor edit on a selection: the selected code goes to the AI with the
-- instruction, the reply's code block comes back as a diff of the selection,
-- accepted (one undo step) or rejected (nothing changes). A selection can
-- also go along with any prompt.
local ai = require("aieditor")
local session = require("aieditor.session")
local edit = require("aieditor.edit")

ai.setup({ offline_delay_ms = 0 })
local notes = T.capture_notifications()

local done = 0
vim.api.nvim_create_autocmd("User", {
  pattern = "AiEditorEditDone",
  callback = function()
    done = done + 1
  end,
})

local function diff_windows()
  local n = 0
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    if vim.wo[win].diff then
      n = n + 1
    end
  end
  return n
end

---Runs `:AiEditor edit` with `answer` to the accept question; returns what
---was seen while asking.
local function run_edit(cmd, answer)
  local seen = {}
  local original = vim.ui.select
  vim.ui.select = function(items, opts, on_choice)
    seen.items, seen.prompt, seen.diffs = items, opts.prompt, diff_windows()
    seen.proposed = table.concat(T.lines(0), "\n")
    on_choice(answer)
  end
  local before = done
  vim.cmd(cmd)
  T.wait_for(function()
    return done > before
  end, "the edit's answer", 60000)
  vim.ui.select = original
  return seen
end

local css = { "/* keep */", ".btn { color: red; }", ".btn:hover { color: darkred; }", "/* keep too */" }

T.test("an accepted edit replaces the selection with the reply's code, as one undo step", function()
  vim.cmd("edit " .. vim.fn.fnameescape(T.root .. "/edit-button.css"))
  vim.api.nvim_buf_set_lines(0, 0, -1, false, css)
  local buf = vim.api.nvim_get_current_buf()
  vim.cmd("normal! 2GVj")
  vim.cmd("normal! \27")
  local seen = run_edit("'<,'>AiEditor edit Make the button blue", "Accept")
  T.eq(seen.items, { "Accept", "Reject" })
  T.eq(seen.diffs, 2, "the diff was open while asking")
  T.eq(vim.api.nvim_get_current_buf(), buf, "back in the buffer")

  local m = session.current.messages
  T.ok(m[#m - 1].content:find(".btn { color: red; }", 1, true), "the selection went with the prompt")
  T.ok(m[#m - 1].content:find("Make the button blue", 1, true))
  local block = edit.pick_block(m[#m].content, "css")
  T.ok(block and block ~= "", "the reply has a CSS block")
  T.eq(m[#m].componentId, nil, "the reply made no component version (makeComponent = false)")
  local expected = { css[1] }
  vim.list_extend(expected, T.split((block:gsub("\n$", ""))))
  table.insert(expected, css[4])
  T.eq(T.lines(buf), expected, "the selection became the reply's CSS")
  T.eq(seen.proposed, (block:gsub("\n$", "")), "the diff proposed just that")
  vim.cmd("silent undo")
  T.eq(T.lines(buf), css, "one undo brings the selection back")
end)

T.test("a rejected edit changes nothing", function()
  local buf = vim.api.nvim_get_current_buf()
  local tick = vim.api.nvim_buf_get_changedtick(buf)
  local seen = run_edit("2,3AiEditor edit Make the button green", "Reject")
  T.eq(seen.diffs, 2, "the diff was shown")
  T.eq(T.lines(buf), css)
  T.eq(vim.api.nvim_buf_get_changedtick(buf), tick, "not even touched")
  T.eq(diff_windows(), 0, "the diff is closed")
end)

T.test("a characterwise selection is replaced in place", function()
  vim.api.nvim_buf_set_lines(0, 0, -1, false, { "a { color: red; } z" })
  vim.api.nvim_win_set_cursor(0, { 1, 4 })
  vim.cmd("normal! v10l")
  vim.cmd("normal! \27")
  run_edit("'<,'>AiEditor edit Use blue", "Accept")
  local block = edit.pick_block(session.current.messages[#session.current.messages].content, "css"):gsub("\n$", "")
  local lines = T.split(block)
  lines[1] = "a { " .. lines[1]
  lines[#lines] = lines[#lines] .. " } z"
  T.eq(T.lines(), lines)
  vim.cmd("silent undo")
  T.eq(T.lines(), { "a { color: red; } z" })
end)

T.test("a range goes along with any prompt", function()
  local n = #session.current.messages
  vim.api.nvim_buf_set_lines(0, 0, -1, false, css)
  vim.cmd("2AiEditor send Why is this red?")
  T.wait_for(function()
    return session.current.sending == nil and #session.current.messages == n + 2
  end, "the reply", 60000)
  local prompt = session.current.messages[n + 1].content
  T.ok(prompt:find("^Why is this red%?\n\nFrom edit%-button%.css:\n```css\n%.btn { color: red; }\n```$"), prompt)
end)

T.test("edit without a selection says what to do", function()
  vim.cmd("AiEditor edit Make it blue")
  T.ok(T.find_notification(notes, "select the code to change first", vim.log.levels.ERROR), vim.inspect(notes))
end)
