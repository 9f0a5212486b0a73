# A golden case for the language registry.
defmodule Golden do
  def greet(name), do: "hello #{name}"
end
