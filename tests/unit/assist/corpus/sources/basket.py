class Basket:
	def __init__(self):
		self.items = []

	def add(self, item):
		self.items.append(item)

	def total(self):
		result = 0
		for item in self.items:
			result += item.price
		return reslt
