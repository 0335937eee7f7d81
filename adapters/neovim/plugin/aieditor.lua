-- aieditor: the :AiEditor, :AIEditorSync, :AIEditorSessions, :AIEditorSearch
-- and :AIEditorRename commands and <Plug> mappings. Nothing is required until
-- a command runs, so startup costs nothing.
if vim.g.loaded_aieditor then
  return
end
vim.g.loaded_aieditor = true

vim.api.nvim_create_user_command("AiEditor", function(opts)
  require("aieditor.commands").run(opts)
end, {
  nargs = "*",
  range = true,
  bang = true,
  desc = "aieditor: chat with an AI and edit React components",
  complete = function(arglead, cmdline, _)
    return require("aieditor.commands").complete(arglead, cmdline)
  end,
})

vim.api.nvim_create_user_command("AIEditorSync", function(opts)
  require("aieditor").sync(opts.fargs)
end, {
  nargs = "*",
  desc = "aieditor: sync with the team backend (now, login, logout, rejected, retry)",
  complete = function(arglead, cmdline, _)
    return require("aieditor.sync").complete(arglead, cmdline)
  end,
})

vim.api.nvim_create_user_command("AIEditorSessions", function()
  require("aieditor").sessions()
end, { nargs = 0, desc = "aieditor: pick a session (vim.ui.select) and open it" })

vim.api.nvim_create_user_command("AIEditorSearch", function(opts)
  require("aieditor").search(opts.args)
end, { nargs = "*", desc = "aieditor: search every session; the hits fill the quickfix list" })

vim.api.nvim_create_user_command("AIEditorRename", function(opts)
  require("aieditor").rename(opts.args)
end, { nargs = "*", desc = "aieditor: rename the open session" })

-- <Plug> mappings; there are no default key mappings (see :help aieditor-mappings).
local function plug(modes, name, rhs, desc)
  vim.keymap.set(modes, "<Plug>(" .. name .. ")", rhs, { silent = true, desc = desc })
end
plug("n", "AiEditorOpen", "<Cmd>AiEditor open<CR>", "aieditor: pick a session or start one")
plug("n", "AiEditorNew", "<Cmd>AiEditor new<CR>", "aieditor: start a new session")
plug("n", "AiEditorChat", "<Cmd>AiEditor chat<CR>", "aieditor: toggle the chat window")
plug("n", "AiEditorSend", function()
  vim.ui.input({ prompt = "Prompt: " }, function(text)
    if text and text ~= "" then
      require("aieditor").send(text)
    end
  end)
end, "aieditor: send a prompt")
plug("n", "AiEditorInsertJsx", "<Cmd>AiEditor insert jsx<CR>", "aieditor: insert the component's JSX")
plug("n", "AiEditorInsertCss", "<Cmd>AiEditor insert css<CR>", "aieditor: insert the component's CSS")
plug("x", "AiEditorInsertJsx", ":AiEditor insert jsx<CR>", "aieditor: replace the selection with the JSX")
plug("x", "AiEditorInsertCss", ":AiEditor insert css<CR>", "aieditor: replace the selection with the CSS")
plug("n", "AiEditorSave", "<Cmd>AiEditor save<CR>", "aieditor: save the buffer as a new version")
plug("x", "AiEditorSave", ":AiEditor save<CR>", "aieditor: save the selection as a new version")
plug("x", "AiEditorEdit", ":AiEditor edit<CR>", "aieditor: change the selection with the AI (a diff to accept)")
plug("x", "AiEditorSend", ":<C-u>lua require('aieditor.edit').send_selection()<CR>", "aieditor: send a prompt with the selection attached")
plug("n", "AiEditorHistory", "<Cmd>AiEditor history<CR>", "aieditor: versions; restore one")
plug("n", "AiEditorApply", "<Cmd>AiEditor apply<CR>", "aieditor: diff of writing the component to its files")
plug("n", "AiEditorApplyWrite", "<Cmd>AiEditor apply!<CR>", "aieditor: write the component to its files")
plug("n", "AiEditorRetry", "<Cmd>AiEditor retry<CR>", "aieditor: send the failed prompt again, or regenerate")
plug("n", "AiEditorSessions", "<Cmd>AiEditor sessions<CR>", "aieditor: pick a session")
plug("n", "AiEditorSearch", "<Cmd>AIEditorSearch<CR>", "aieditor: search every session (asks for the words)")
plug("n", "AiEditorRename", "<Cmd>AIEditorRename<CR>", "aieditor: rename the open session")
plug("n", "AiEditorSync", "<Cmd>AIEditorSync<CR>", "aieditor: sync now, sign in, rejected writes")
plug("n", "AiEditorCancel", "<Cmd>AiEditor cancel<CR>", "aieditor: cancel the streaming reply")
