# A golden case for the language registry.
#[ A block comment
over two lines. ]#
proc greet(name: string): string = "hello " & name
