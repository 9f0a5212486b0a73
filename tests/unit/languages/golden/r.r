# A golden case for the language registry.
greet <- function(name) {
  paste("hello", name)
}
