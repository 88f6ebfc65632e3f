package persistence

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// MySQL refuses lock names longer than 64 characters (MariaDB takes them): every prefix
// leaves room for the 40 hex digits of lockName's database hash.
func TestLockNamesFitMySQL(t *testing.T) {
	t.Parallel()
	for _, prefix := range []string{privateLedgerLock, sharedSlot(sharedSlots - 1), memberSlot(memberSlots - 1), migrateLock} {
		assert.LessOrEqual(t, len(prefix)+40, 64, prefix)
	}
}
