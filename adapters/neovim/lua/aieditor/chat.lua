---@mod aieditor.chat The chat buffer and its window.
---
--- One prompt buffer (|prompt-buffer|) with filetype markdown: the
--- conversation above, the prompt line at the bottom. Assistant replies grow
--- in place as `chat/delta` arrives. Code fences are highlighted in their
--- language and folded to one line. The window is a split, a tab or a float
--- (`chat.position`); it shows the state in its winbar (Neovim 0.8+) or, on
--- 0.7, in its window-local statusline.

local config = require("aieditor.config")

local M = {}

---@type integer|nil
local bufnr
---@type integer|nil
local winid
---First buffer line (0-based) of each rendered message, and the line where
---the messages end (the prompt line follows).
---@type integer[]
local starts = {}

---Fold level of each content line (1-based): 1 inside a code fence, with
---">1" on its opening line and "<1" on its closing one.
---@type (string|integer)[]
local fold_levels = {}

local has_winbar = vim.fn.has("nvim-0.8") == 1

---Where |M.reveal| highlights the message it shows.
local reveal_ns = vim.api.nvim_create_namespace("aieditor_reveal")

---Fence languages highlighted in the chat (`lang=filetype` as in
---|g:markdown_fenced_languages|), those whose syntax file exists.
local FENCED = { "jsx=javascriptreact", "javascript", "js=javascript", "css", "scss", "json", "html" }

local BUFNAME = "aieditor://chat"

local role_titles = { user = "You", assistant = "Assistant", system = "System" }
local status_suffix = {
  streaming = " …",
  sending = " …",
  interrupted = " (interrupted)",
  failed = " (failed)",
}

---@param msg aieditor.Message
---@return string[]
local function message_lines(msg)
  local lines = { "## " .. (role_titles[msg.role] or tostring(msg.role)) .. (status_suffix[msg.status] or ""), "" }
  for _, l in ipairs(vim.split(msg.content or "", "\n", { plain = true })) do
    table.insert(lines, l)
  end
  if msg.images and #msg.images > 0 then
    table.insert(lines, ("_[%d image%s]_"):format(#msg.images, #msg.images == 1 and "" or "s"))
  end
  table.insert(lines, "")
  return lines
end

---@return string[]
local function header_lines()
  local s = require("aieditor.session").current
  if not s then
    return { "# AiEditor", "", "Type a prompt below to start a session, or `:AiEditor open` to pick one.", "" }
  end
  local title = s.info and s.info.title
  local lines = { "# " .. ((title and title ~= "") and title or "New session") .. " · " .. s.id, "" }
  if s.has_more then
    table.insert(lines, "_Older messages are not shown._")
    table.insert(lines, "")
  end
  return lines
end

---What follows the messages: why the last reply failed, and how to retry.
---@return string[]
local function footer_lines()
  local session = require("aieditor.session")
  local s = session.current
  local failure = s and session.failures[s.id]
  if not failure or s.sending then
    return {}
  end
  return { "> **⚠ " .. failure.reason .. "**", "> Your prompt is kept: `:AiEditor retry` sends it again.", "" }
end

---@return boolean
local function buf_valid()
  return bufnr ~= nil and vim.api.nvim_buf_is_valid(bufnr)
end

---@return boolean
local function win_valid()
  return winid ~= nil and vim.api.nvim_win_is_valid(winid) and vim.api.nvim_win_get_buf(winid) == bufnr
end

---Number of lines above the prompt line.
---@return integer
local function content_end()
  return vim.api.nvim_buf_line_count(bufnr) - 1
end

---Re-renders the conversation from message `from` (default: everything).
---Does nothing until the chat buffer exists.
---@param from integer|nil
function M.render(from)
  if not buf_valid() then
    return
  end
  local s = require("aieditor.session").current
  local msgs = s and s.messages or {}
  local lines, start_line
  if from and from >= 1 and from <= #msgs and starts[from] then
    -- Only this message and the ones after it changed (a delta, a reply).
    lines, start_line = {}, starts[from]
  else
    from = 1
    lines, start_line = header_lines(), 0
    vim.api.nvim_buf_clear_namespace(bufnr, reveal_ns, 0, -1)
  end
  local n = start_line + #lines
  for i = from, #msgs do
    starts[i] = n
    local ml = message_lines(msgs[i])
    vim.list_extend(lines, ml)
    n = n + #ml
  end
  for i = #msgs + 1, #starts do
    starts[i] = nil
  end
  starts[#msgs + 1] = n -- where the messages end
  vim.list_extend(lines, footer_lines())
  vim.api.nvim_buf_set_lines(bufnr, start_line, content_end(), false, lines)
  M.update_folds(start_line, lines)
  if win_valid() and vim.api.nvim_get_current_win() ~= winid then
    vim.api.nvim_win_set_cursor(winid, { vim.api.nvim_buf_line_count(bufnr), 0 })
  end
end

---Fold levels for lines from `start_line` (0-based) on, which now hold
---`lines`: a fence opens with ``` and a language or none, and closes with a
---bare ```.
---@param start_line integer
---@param lines string[]
function M.update_folds(start_line, lines)
  local before = fold_levels[start_line] -- the line above the first changed one
  local inside = before == ">1" or before == 1
  for i = #fold_levels, start_line + 1, -1 do
    fold_levels[i] = nil
  end
  for i, line in ipairs(lines) do
    local lnum = start_line + i
    if line:match("^%s*```") then
      if inside and line:match("^%s*```+%s*$") then
        fold_levels[lnum], inside = "<1", false
      elseif not inside then
        fold_levels[lnum], inside = ">1", true
      else
        fold_levels[lnum] = 1
      end
    else
      fold_levels[lnum] = inside and 1 or 0
    end
  end
end

---'foldexpr' of the chat window.
---@param lnum integer
---@return string|integer
function M.foldexpr(lnum)
  return fold_levels[lnum] or 0
end

---'foldtext' of the chat window: "▸ jsx · 14 lines".
---@return string
function M.foldtext()
  local first = vim.fn.getline(vim.v.foldstart)
  local lang = first:match("^%s*```+%s*([%w_.+-]*)")
  local n = vim.v.foldend - vim.v.foldstart - 1
  return ("▸ %s · %d line%s (zo shows it)"):format(lang ~= "" and lang or "code", n, n == 1 and "" or "s")
end

---The message under the cursor of the chat window (its index), if any.
---@return integer|nil
function M.message_at_cursor()
  if not win_valid() or vim.api.nvim_get_current_win() ~= winid then
    return nil
  end
  local line = vim.api.nvim_win_get_cursor(winid)[1] - 1
  local s = require("aieditor.session").current
  local found
  for i = 1, s and #s.messages or 0 do
    if starts[i] and starts[i] <= line then
      found = i
    end
  end
  return found
end

---Opens the chat window at a message: the cursor on its heading, the
---message at the top of the window, its folds open and its lines
---highlighted (`AiEditorSearchHit`, linked to `Search` by default, and
---`terms` in it `AiEditorSearchMatch`, linked to `IncSearch`) until the
---chat is drawn again.
---@param index integer|nil The message's index; nil: the session's title.
---@param terms string[]|nil Words to mark in it, matched ignoring ASCII case.
function M.reveal(index, terms)
  M.open()
  local first = index and starts[index] or 0
  local after = index and (starts[index + 1] or content_end()) or 1
  vim.cmd("highlight default link AiEditorSearchHit Search")
  vim.cmd("highlight default link AiEditorSearchMatch IncSearch")
  vim.api.nvim_buf_clear_namespace(bufnr, reveal_ns, 0, -1)
  -- Up to the blank line that ends the message.
  local last = math.max(first, after - 2)
  vim.api.nvim_buf_set_extmark(bufnr, reveal_ns, first, 0, { end_row = last + 1, end_col = 0, hl_group = "AiEditorSearchHit", hl_eol = true })
  for row, line in ipairs(vim.api.nvim_buf_get_lines(bufnr, first, last + 1, false)) do
    local lower = line:lower()
    for _, term in ipairs(terms or {}) do
      local from = 1
      while term ~= "" do
        local s, e = lower:find(term:lower(), from, true)
        if not s then
          break
        end
        vim.api.nvim_buf_set_extmark(bufnr, reveal_ns, first + row - 1, s - 1, { end_col = e, hl_group = "AiEditorSearchMatch", priority = 5000 })
        from = e + 1
      end
    end
  end
  vim.api.nvim_win_set_cursor(winid, { first + 1, 0 })
  vim.api.nvim_win_call(winid, function()
    vim.cmd("normal! zvzt")
  end)
end

---Puts a prompt back on the empty prompt line (after a failed reply), so
---nothing typed is lost.
---@param text string
function M.restore_prompt(text)
  if not buf_valid() or text:find("\n") then
    return
  end
  local last = vim.api.nvim_buf_line_count(bufnr)
  local line = vim.api.nvim_buf_get_lines(bufnr, last - 1, last, false)[1] or ""
  local prompt = vim.fn.prompt_getprompt(bufnr)
  if line == prompt or line == "" then
    vim.api.nvim_buf_set_lines(bufnr, last - 1, last, false, { prompt .. text })
  end
end

---Empties the prompt line when it holds `text` (sent again by retry).
---@param text string
function M.clear_prompt(text)
  if not buf_valid() then
    return
  end
  local last = vim.api.nvim_buf_line_count(bufnr)
  local prompt = vim.fn.prompt_getprompt(bufnr)
  if vim.api.nvim_buf_get_lines(bufnr, last - 1, last, false)[1] == prompt .. text then
    vim.api.nvim_buf_set_lines(bufnr, last - 1, last, false, { prompt })
  end
end

---The lines of the conversation (without the prompt line), for tests and scripts.
---@return string[]
function M.lines()
  if not buf_valid() then
    return {}
  end
  return vim.api.nvim_buf_get_lines(bufnr, 0, content_end(), false)
end

---The chat window's title: "AiEditor" and the state, then the session's
---title and id.
---@return string state_part, string session_part
local function title_parts()
  local s = require("aieditor.session").current
  local st = require("aieditor.status").statusline()
  local state = "AiEditor" .. (st ~= "" and ("  " .. st) or "")
  if not s then
    return state, ""
  end
  local title = s.info and s.info.title
  return state, " · " .. ((title and title ~= "") and (title .. " (" .. s.id .. ")") or s.id)
end

---The text shown in the chat window's winbar (0.8+) or statusline (0.7).
---@return string
function M.title()
  local state, rest = title_parts()
  return state .. rest
end

---Updates the chat window's title with the session and its save state.
function M.refresh_title()
  if not win_valid() then
    return
  end
  -- "%<" before the session's title: a narrow window cuts that, not the state.
  local state, rest = title_parts()
  local text = state:gsub("%%", "%%%%") .. "%<" .. rest:gsub("%%", "%%%%")
  if has_winbar then
    vim.wo[winid].winbar = text
  else
    vim.wo[winid].statusline = text
  end
end

---Called by the prompt buffer with the text typed after the prompt.
---@param text string
local function on_submit(text)
  if text:match("^%s*$") then
    return
  end
  require("aieditor").send(text)
end

---The chat buffer, created on first use.
---@return integer bufnr
function M.buf()
  if buf_valid() then
    return bufnr --[[@as integer]]
  end
  -- A chat buffer left from an earlier load of this module holds the name.
  for _, b in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_get_name(b) == BUFNAME then
      vim.api.nvim_buf_delete(b, { force = true })
    end
  end
  bufnr = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_name(bufnr, BUFNAME)
  vim.bo[bufnr].buftype = "prompt"
  vim.bo[bufnr].bufhidden = "hide"
  vim.bo[bufnr].swapfile = false
  vim.fn.prompt_setprompt(bufnr, config.options.chat.prompt)
  vim.fn.prompt_setcallback(bufnr, on_submit)
  -- Markdown's syntax reads g:markdown_fenced_languages when it loads: add
  -- the chat's languages for this buffer only, then put the user's back.
  local saved = vim.g.markdown_fenced_languages
  local fenced = vim.deepcopy(saved or {})
  for _, lang in ipairs(FENCED) do
    local ft = lang:match("[^=]*$")
    if #vim.api.nvim_get_runtime_file("syntax/" .. ft .. ".vim", false) > 0 then
      table.insert(fenced, lang)
    end
  end
  vim.g.markdown_fenced_languages = fenced
  vim.bo[bufnr].filetype = "markdown"
  vim.g.markdown_fenced_languages = saved
  starts = {}
  fold_levels = {}
  M.render()
  return bufnr
end

---@return boolean
function M.is_open()
  return win_valid()
end

---@return integer|nil
function M.win()
  return win_valid() and winid or nil
end

---Opens the chat window and moves the cursor to the prompt line.
function M.open()
  local buf = M.buf()
  if win_valid() then
    vim.api.nvim_set_current_win(winid)
    return
  end
  local opts = config.options.chat
  local position = opts.position or "right"
  if position == "float" then
    local width = math.floor(vim.o.columns * 0.8)
    local height = math.floor((vim.o.lines - vim.o.cmdheight) * 0.8)
    winid = vim.api.nvim_open_win(buf, true, {
      relative = "editor",
      width = width,
      height = height,
      col = math.floor((vim.o.columns - width) / 2),
      row = math.floor((vim.o.lines - height) / 2) - 1,
      border = "rounded",
    })
  elseif position == "tab" then
    vim.cmd("tab sbuffer " .. buf)
    winid = vim.api.nvim_get_current_win()
  else
    local vertical = position ~= "bottom" and position ~= "top"
    vim.cmd(({ left = "topleft vsplit", bottom = "botright split", top = "topleft split" })[position] or "botright vsplit")
    winid = vim.api.nvim_get_current_win()
    vim.api.nvim_win_set_buf(winid, buf)
    -- Default size: 40% of the editor, at least 50 columns (or 10 lines),
    -- wide enough for code, never the whole screen.
    local total = vertical and vim.o.columns or vim.o.lines
    local size = opts.size or math.max(vertical and 50 or 10, math.floor(total * 0.4))
    size = math.min(size, total - (vertical and 20 or 5))
    if vertical then
      vim.api.nvim_win_set_width(winid, size)
      vim.wo[winid].winfixwidth = true
    else
      vim.api.nvim_win_set_height(winid, size)
      vim.wo[winid].winfixheight = true
    end
  end
  vim.wo[winid].foldmethod = "expr"
  vim.wo[winid].foldexpr = "v:lua.require'aieditor.chat'.foldexpr(v:lnum)"
  vim.wo[winid].foldtext = "v:lua.require'aieditor.chat'.foldtext()"
  vim.wo[winid].foldlevel = 0
  vim.wo[winid].foldenable = true
  vim.wo[winid].fillchars = "fold: "
  vim.wo[winid].wrap = true
  vim.wo[winid].linebreak = true
  vim.wo[winid].number = false
  vim.wo[winid].relativenumber = false
  vim.wo[winid].signcolumn = "no"
  vim.wo[winid].spell = false
  M.refresh_title()
  vim.api.nvim_win_set_cursor(winid, { vim.api.nvim_buf_line_count(buf), 0 })
end

---Closes the chat window; the buffer and its contents stay.
function M.close()
  if not win_valid() then
    return
  end
  if #vim.api.nvim_list_wins() == 1 then
    -- The last window: show another buffer instead of closing it.
    vim.api.nvim_win_call(winid, function()
      vim.cmd("enew")
    end)
  else
    vim.api.nvim_win_close(winid, false)
  end
  winid = nil
end

function M.toggle()
  if win_valid() then
    M.close()
  else
    M.open()
  end
end

return M
