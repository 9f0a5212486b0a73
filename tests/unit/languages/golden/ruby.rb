# A golden case for the language registry.
=begin
A block comment.
=end
def greet(name)
  "hello #{name}"
end
