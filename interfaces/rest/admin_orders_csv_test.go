package rest

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestInertCellKeepsFormulasAsText(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"=SUM(A1:A9)":       "'=SUM(A1:A9)",
		"+1 555 0100":       "'+1 555 0100",
		"-10% off":          "'-10% off",
		"@user":             "'@user",
		"\t=1+1":            "'\t=1+1",
		"\r=1+1":            "'\r=1+1",
		"1 Main St":         "1 Main St",
		"Mug = 1 item":      "Mug = 1 item",
		"":                  "",
		"café, 2nd floor":   "café, 2nd floor",
		"'already quoted":   "'already quoted",
		"https://x.example": "https://x.example",
	} {
		assert.Equal(t, want, inertCell(in), "%q", in)
	}
}
