# A golden case for the language registry.
#= A block comment
over two lines. =#
greet(name) = "hello $name"
