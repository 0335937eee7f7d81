---@mod aieditor.edit `:AiEditor edit`: change the selected code with the AI.
---
--- The selection goes to the AI with the instruction (as a chat prompt, so
--- it shows in the conversation); the code block of the reply comes back as
--- a diff of the selection (|aieditor.diffview|), to accept (one undo step)
--- or reject. `context()` also gives `:[range]AiEditor send` its code.

local diffview = require("aieditor.diffview")
local log = require("aieditor.log")
local session = require("aieditor.session")

local M = {}

---Fence languages by filetype: the reply's block to take, in order.
local LANGUAGES = {
  javascriptreact = { "jsx", "tsx", "javascript", "js" },
  typescriptreact = { "tsx", "jsx", "typescript", "ts" },
  javascript = { "javascript", "js", "jsx" },
  typescript = { "typescript", "ts", "tsx" },
  css = { "css", "scss" },
  scss = { "scss", "css" },
}

---The fenced code blocks of a reply, in order: {lang, body}.
---@param text string
---@return {lang: string, body: string}[]
function M.code_blocks(text)
  local blocks, current = {}, nil
  for _, line in ipairs(vim.split(text, "\n", { plain = true })) do
    if current then
      if line:match("^%s*```+%s*$") then
        table.insert(blocks, current)
        current = nil
      else
        table.insert(current.lines, line)
      end
    else
      local lang = line:match("^%s*```+%s*([%w_.+-]*)")
      if lang then
        current = { lang = lang:lower(), lines = {} }
      end
    end
  end
  return vim.tbl_map(function(b)
    return { lang = b.lang, body = table.concat(b.lines, "\n") .. "\n" }
  end, blocks)
end

---The block of a reply that replaces code of `filetype`: the first in one of
---its languages, else the first block.
---@param text string
---@param filetype string
---@return string|nil
function M.pick_block(text, filetype)
  local blocks = M.code_blocks(text)
  for _, lang in ipairs(LANGUAGES[filetype] or {}) do
    for _, b in ipairs(blocks) do
      if b.lang == lang then
        return b.body
      end
    end
  end
  return blocks[1] and blocks[1].body or nil
end

---The selection (or range) as a fenced block with the file's name, for a prompt.
---@param buf integer
---@param region aieditor.Region
---@return string
function M.context(buf, region)
  local text = require("aieditor.components").region_text(buf, region):gsub("\n$", "")
  local name = vim.fn.fnamemodify(vim.api.nvim_buf_get_name(buf), ":t")
  local lang = ({ javascriptreact = "jsx", typescriptreact = "tsx" })[vim.bo[buf].filetype] or vim.bo[buf].filetype
  return ("%s```%s\n%s\n```"):format(name ~= "" and ("From " .. name .. ":\n") or "", lang, text)
end

---Replaces the region with `text` as one undo step.
---@param buf integer
---@param region aieditor.Region
---@param text string
local function replace(buf, region, text)
  local lines = vim.split(text:gsub("\n$", ""), "\n", { plain = true })
  require("aieditor.components").as_one_undo_step(buf, function()
    if region.linewise then
      vim.api.nvim_buf_set_lines(buf, region.srow, region.erow, false, lines)
    else
      vim.api.nvim_buf_set_text(buf, region.srow, region.scol, region.erow, region.ecol, lines)
    end
  end)
end

---Shows the reply's code against the selection and asks to accept it.
---@param buf integer
---@param region aieditor.Region
---@param old string
---@param new string
local function review(buf, region, old, new)
  local title = ("selection of %s"):format(vim.fn.fnamemodify(vim.api.nvim_buf_get_name(buf), ":t"))
  local r = diffview.open({ { title = title, old = old, new = new, filetype = vim.bo[buf].filetype } })
  session.fire("AiEditorReview")
  diffview.ask({ "Accept", "Reject" }, {
    prompt = "Replace the selection with the AI's change? The diff is open.",
    kind = "aieditor.confirm",
  }, function(choice)
    local edited = diffview.texts(r)[1] or new -- the proposed side, as possibly edited
    diffview.close(r)
    if choice ~= "Accept" then
      log.info("the change was rejected; the selection is unchanged")
      session.fire("AiEditorEditDone")
      return
    end
    if not vim.api.nvim_buf_is_valid(buf) or require("aieditor.components").region_text(buf, region) ~= old then
      log.error("the selection changed meanwhile: the change was not applied")
      return
    end
    replace(buf, region, edited)
    session.fire("AiEditorEditDone")
  end)
end

---`:[range]AiEditor edit [instruction]`: asks for the instruction when not given.
---@param instruction string|nil
---@param range aieditor.Range
function M.edit(instruction, range)
  local buf = vim.api.nvim_get_current_buf()
  local region = require("aieditor.components").region(buf, range)
  if not region then
    log.error("select the code to change first (Visual mode), then :AiEditor edit")
    return
  end
  local old = require("aieditor.components").region_text(buf, region)
  local function go(text)
    if not text or text:match("^%s*$") then
      return
    end
    local prompt = ("%s\n\nChange only this code and reply with all of it, changed, in one fenced block:\n\n%s"):format(
      vim.trim(text),
      M.context(buf, region)
    )
    require("aieditor").send(prompt, nil, function(result)
      local reply = result.assistantMessage and result.assistantMessage.content or ""
      local new = M.pick_block(reply, vim.bo[buf].filetype)
      if not new then
        log.warn("the reply has no code block: nothing to change")
        return
      end
      if not region.linewise then
        new = new:gsub("\n$", "")
      end
      review(buf, region, old, new)
      -- The reply is a diff of the user's code, not a version of the session's component.
    end, { make_component = false })
  end
  if instruction and instruction ~= "" then
    go(instruction)
  else
    vim.ui.input({ prompt = "Change the selection: " }, go)
  end
end

---Asks for a prompt and sends it with the last visual selection attached
---(`<Plug>(AiEditorSend)` in Visual mode).
function M.send_selection()
  local buf = vim.api.nvim_get_current_buf()
  local range = { range = 2, line1 = vim.fn.line("'<"), line2 = vim.fn.line("'>") }
  local region = require("aieditor.components").region(buf, range)
  vim.ui.input({ prompt = "Prompt (the selection goes along): " }, function(text)
    if text and not text:match("^%s*$") and region then
      require("aieditor").send(text .. "\n\n" .. M.context(buf, region))
    end
  end)
end

return M
