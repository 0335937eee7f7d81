-- Minimal init for the headless tests: only this plugin on 'runtimepath', no
-- user config (XDG_* point at a fresh temporary directory, see run.sh).
local here = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h")
local plugin = vim.fn.fnamemodify(here, ":h")
vim.opt.runtimepath:prepend(plugin)
vim.opt.swapfile = false
vim.opt.more = false
vim.opt.shortmess:append("F")
