-- A golden case for the language registry.
--[[ A block comment
over two lines. ]]
local function greet(name) return "hello " .. name end
