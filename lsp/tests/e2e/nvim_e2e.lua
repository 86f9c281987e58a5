-- End-to-end test of `xdef lsp` with a real client: Neovim 0.7 (Debian's `neovim`),
-- headless. Opens a component definition with a typo in `context.`, then checks the
-- diagnostics the server publishes, completion after `context.` and hover on a parameter.
--
-- Environment: XDEF_BIN (the xdef binary), XDEF_E2E_FILE (the definition to open),
-- XDEF_E2E_OUT (where to write the JSON report). Exits 0 on success, 1 on failure.

local xdef = assert(os.getenv("XDEF_BIN"), "XDEF_BIN")
local file = assert(os.getenv("XDEF_E2E_FILE"), "XDEF_E2E_FILE")
local out_path = os.getenv("XDEF_E2E_OUT")
local report = { checks = {} }
local failed = false

local function check(name, ok, detail)
  table.insert(report.checks, { name = name, ok = ok and true or false, detail = detail })
  if not ok then failed = true end
end

local function finish()
  report.ok = not failed
  local json = vim.fn.json_encode(report)
  if out_path then
    local f = io.open(out_path, "w")
    f:write(json)
    f:close()
  end
  io.stdout:write(json .. "\n")
  if failed then vim.cmd("cquit 1") else vim.cmd("qall!") end
end

local diagnostics = nil
local started = vim.loop.hrtime()
local client_id = vim.lsp.start_client({
  name = "xdef",
  cmd = { xdef, "lsp" },
  root_dir = vim.fn.fnamemodify(file, ":h"),
  handlers = {
    ["textDocument/publishDiagnostics"] = function(err, result, ctx, config)
      if result and #result.diagnostics > 0 then
        diagnostics = result.diagnostics
      end
      vim.lsp.diagnostic.on_publish_diagnostics(err, result, ctx, config)
    end,
  },
})
check("client started", client_id ~= nil)
if not client_id then finish() end

vim.cmd("edit " .. vim.fn.fnameescape(file))
vim.lsp.buf_attach_client(0, client_id)

-- 1. Diagnostics: the typo `context.nmae` with a did-you-mean.
local got = vim.wait(10000, function() return diagnostics ~= nil end, 20)
report.diagnostics_ms = (vim.loop.hrtime() - started) / 1e6
check("diagnostics published", got)
local typo = nil
for _, d in ipairs(diagnostics or {}) do
  if d.message:find("did you mean `context.name`", 1, true) then typo = d end
end
check("context typo reported", typo ~= nil, diagnostics and diagnostics[1] and diagnostics[1].message)
report.diagnostics = {}
for _, d in ipairs(diagnostics or {}) do
  table.insert(report.diagnostics, string.format("%d:%d %s", d.range.start.line, d.range.start.character, d.message))
end

-- Position of a needle in the buffer (0-based line, byte column = UTF-16 here: ASCII).
local function find(needle, delta)
  local lines = vim.api.nvim_buf_get_lines(0, 0, -1, false)
  for i, l in ipairs(lines) do
    local s = l:find(needle, 1, true)
    if s then return { line = i - 1, character = s - 1 + (delta or 0) } end
  end
  return nil
end

local uri = vim.uri_from_bufnr(0)

-- 2. Completion right after `context.`.
local p = find("context.nmae", #"context.")
local resp = vim.lsp.buf_request_sync(0, "textDocument/completion",
  { textDocument = { uri = uri }, position = p }, 5000)
local labels = {}
for _, r in pairs(resp or {}) do
  local items = r.result and (r.result.items or r.result) or {}
  for _, it in ipairs(items) do table.insert(labels, it.label) end
end
report.completion = labels
local has = {}
for _, l in ipairs(labels) do has[l] = true end
check("completion after context. lists context fields", has["name"] and has["namespace"] and has["appName"], table.concat(labels, ","))

-- 3. Hover on `parameter.image`: the +usage doc and the declared type.
local h = find("parameter.image", #"parameter.i")
local hresp = vim.lsp.buf_request_sync(0, "textDocument/hover",
  { textDocument = { uri = uri }, position = h }, 5000)
local text = ""
for _, r in pairs(hresp or {}) do
  if r.result and r.result.contents then text = r.result.contents.value or "" end
end
report.hover = text
check("hover shows the +usage doc", text:find("Which image would you like to use", 1, true) ~= nil, text)
check("hover shows the declared type", text:find("image: string", 1, true) ~= nil, text)

vim.lsp.stop_client(client_id)
finish()
