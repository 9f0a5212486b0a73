// Package golden is a golden case for the language registry.
package golden

import (
	"fmt"
	"strings" /* a trailing block comment */
)

type Point struct {
	X, Y float64
}

func (p Point) Norm() float64 {
	// cursor
	return p.X*p.X + p.Y*p.Y
}

func Add(a, b int) int {
	return a + b
}

var usage = `usage:
  golden [flags]` + fmt.Sprint(strings.ToUpper("x"))
