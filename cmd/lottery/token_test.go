package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// --facts keeps whole numbers exact, as the server reads them, and takes one object only.
func TestTokenFactsStayExact(t *testing.T) {
	t.Parallel()
	f, err := parseFacts(`{"uid":9007199254740993,"tags":["vip"]}`)
	require.NoError(t, err)
	assert.Equal(t, json.Number("9007199254740993"), f["uid"])
	_, err = parseFacts(`{"a":1} {"b":2}`)
	assert.ErrorContains(t, err, "nothing after it")
	_, err = parseFacts(`[1]`)
	assert.ErrorContains(t, err, "want a JSON object")
	f, err = parseFacts("")
	require.NoError(t, err)
	assert.Nil(t, f)
}
