package rest

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

// Every field is quoted, so a ';' inside one cannot split it into cells (and a formula
// after it) in a spreadsheet that separates by ';'; encoding/csv reads it back as it was.
func TestExportQuotesEveryField(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	fields := []string{"Main St;=cmd|'/C calc'!A0;", `say "hi"`, "two\nlines", "plain", ""}
	require.NoError(t, writeQuoted(w, fields))
	require.NoError(t, w.Flush())
	assert.Equal(t, `"Main St;=cmd|'/C calc'!A0;","say ""hi""","two`+"\n"+`lines","plain",""`+"\n", buf.String())
	back, err := csv.NewReader(&buf).Read()
	require.NoError(t, err)
	assert.Equal(t, fields, back)
}
