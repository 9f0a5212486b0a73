-- A golden case for the language registry.
{- A block comment
over two lines. -}
greet :: String -> String
greet name = "hello " ++ name
