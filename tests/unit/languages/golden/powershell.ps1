# A golden case for the language registry.
<# A block comment
over two lines. #>
function Greet($Name) { "hello $Name" }
