import json

data = json.loads('{"a": 1, "b": 2}')
total = sum(data.values())
print("total:", totl)
