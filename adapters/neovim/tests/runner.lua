-- Runs one spec file ($AIEDITOR_SPEC) and exits: 0 when every test passed,
-- 1 otherwise. run.sh adds `-c "cquit 3"` after this file, so an error that
-- stops this script before it exits still makes nvim exit non-zero.
local here = vim.fn.fnamemodify(debug.getinfo(1, "S").source:sub(2), ":p:h")
_G.T = dofile(here .. "/helpers.lua")
local spec = os.getenv("AIEDITOR_SPEC")
local ok, err = xpcall(function()
  dofile(spec)
end, debug.traceback)
if not ok then
  T.record(false, vim.fn.fnamemodify(spec, ":t") .. " (outside any test)", err)
end
T.finish()
