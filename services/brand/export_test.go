package brand

// Unexported helpers the brand_test package tests directly.
var (
	Rel         = rel
	FormatPrice = formatPrice
)
