---@mod aieditor.diffview Side-by-side reviews of a change in diff mode.
---
--- A review is one tab page per file: the text now on the left, the proposed
--- text on the right, both scratch buffers in |diff-mode|, so nothing real is
--- touched until the change is accepted. The proposed side may be edited
--- before accepting; `text()` reads it back.

local M = {}

---@class aieditor.DiffPair
---@field title string What the pair shows, e.g. "PricingCard.jsx".
---@field old string The text now ("" for a file that does not exist yet).
---@field new string The proposed text.
---@field filetype string|nil

---@class aieditor.Review
---@field tabs integer[] Tab page handles, one per pair.
---@field proposed integer[] The proposed buffers, in the order of the pairs.
---@field from integer The window the review was opened from, current again after it.

---A text's lines, without the empty one after its last newline.
---@param text string
---@return string[]
function M.lines_of(text)
  local lines = vim.split(text, "\n", { plain = true })
  if lines[#lines] == "" then
    table.remove(lines)
  end
  return lines
end

---A scratch buffer holding `text`, named uniquely.
---@param name string
---@param text string
---@param filetype string|nil
---@param modifiable boolean
---@return integer
local function scratch(name, text, filetype, modifiable)
  local buf = vim.api.nvim_create_buf(false, true)
  vim.bo[buf].bufhidden = "wipe"
  vim.bo[buf].swapfile = false
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, M.lines_of(text))
  pcall(vim.api.nvim_buf_set_name, buf, ("aieditor://%s/%d/%s"):format(modifiable and "proposed" or "now", buf, name))
  if filetype then
    vim.bo[buf].filetype = filetype
  end
  vim.bo[buf].modifiable = modifiable
  vim.bo[buf].modified = false
  return buf
end

---Opens a review: one tab per pair, the text now left, the proposed text
---right (the cursor there, in the first tab).
---@param pairs aieditor.DiffPair[]
---@param hint string|nil Shown in each tab's proposed window's statusline.
---@return aieditor.Review
function M.open(pairs, hint)
  local review = { tabs = {}, proposed = {}, from = vim.api.nvim_get_current_win() }
  local first_win
  for _, pair in ipairs(pairs) do
    vim.cmd("tabnew")
    local tab = vim.api.nvim_get_current_tabpage()
    local placeholder = vim.api.nvim_get_current_buf()
    local old_win = vim.api.nvim_get_current_win()
    vim.api.nvim_win_set_buf(old_win, scratch(pair.title, pair.old, pair.filetype, false))
    if vim.api.nvim_buf_is_valid(placeholder) and placeholder ~= vim.api.nvim_win_get_buf(old_win) then
      pcall(vim.api.nvim_buf_delete, placeholder, { force = true })
    end
    vim.wo[old_win].statusline = "Now: " .. pair.title:gsub("%%", "%%%%")
    vim.cmd("diffthis")
    vim.cmd("rightbelow vsplit")
    local new_win = vim.api.nvim_get_current_win()
    local new_buf = scratch(pair.title, pair.new, pair.filetype, true)
    vim.api.nvim_win_set_buf(new_win, new_buf)
    vim.wo[new_win].statusline = ("Proposed: %s%s"):format(pair.title, hint and ("  " .. hint) or ""):gsub("%%", "%%%%")
    vim.cmd("diffthis")
    table.insert(review.tabs, tab)
    table.insert(review.proposed, new_buf)
    first_win = first_win or new_win
  end
  if first_win then
    vim.api.nvim_set_current_win(first_win)
  end
  return review
end

---Asks a question about the review with |vim.ui.select()| once the review
---is on screen: the default select (|inputlist()|) would otherwise ask over
---the screen as it was before the review opened.
---@param items string[]
---@param opts table vim.ui.select's options
---@param on_choice fun(choice: string|nil)
function M.ask(items, opts, on_choice)
  vim.cmd("redraw")
  vim.schedule(function()
    vim.ui.select(items, opts, on_choice)
  end)
end

---Whether the review's tabs are still open.
---@param review aieditor.Review|nil
---@return boolean
function M.is_open(review)
  if not review then
    return false
  end
  for _, tab in ipairs(review.tabs) do
    if vim.api.nvim_tabpage_is_valid(tab) then
      return true
    end
  end
  return false
end

---The proposed texts as they are now (the user may have edited them), or
---false for a pair whose buffer was closed.
---@param review aieditor.Review
---@return (string|false)[]
function M.texts(review)
  local out = {}
  for i, buf in ipairs(review.proposed) do
    if vim.api.nvim_buf_is_valid(buf) then
      out[i] = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), "\n") .. "\n"
    else
      out[i] = false
    end
  end
  return out
end

---Closes the review's tabs (their scratch buffers are wiped).
---@param review aieditor.Review|nil
function M.close(review)
  if not review then
    return
  end
  for _, tab in ipairs(review.tabs) do
    if vim.api.nvim_tabpage_is_valid(tab) then
      if #vim.api.nvim_list_tabpages() == 1 then
        vim.cmd("tabnew")
      end
      for _, win in ipairs(vim.api.nvim_tabpage_list_wins(tab)) do
        if vim.api.nvim_win_is_valid(win) then
          pcall(vim.api.nvim_win_close, win, true)
        end
      end
    end
  end
  for _, buf in ipairs(review.proposed) do
    if vim.api.nvim_buf_is_valid(buf) then
      pcall(vim.api.nvim_buf_delete, buf, { force = true })
    end
  end
  if vim.api.nvim_win_is_valid(review.from) then
    vim.api.nvim_set_current_win(review.from)
  end
end

return M
