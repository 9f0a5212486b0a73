// A golden case for the language registry.
/* A block comment */
object Golden { def greet(name: String) = s"hello $name" }
