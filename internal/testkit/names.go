package testkit

import (
	"crypto/rand"
	"encoding/hex"
)

// UniqueName returns prefix_<16 hex chars>: a name no other test run will pick, valid as a
// database, stream or key-prefix name.
func UniqueName(prefix string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return prefix + "_" + hex.EncodeToString(b)
}
