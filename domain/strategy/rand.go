package strategy

import (
	crand "crypto/rand"
	"encoding/binary"
	"math/rand/v2"
)

// NewRand returns a ChaCha8 generator seeded from crypto/rand. Draw outcomes decide who
// wins real prizes, so the sequence must not be predictable from the outside; ChaCha8 is a
// CSPRNG and still costs only a few nanoseconds per number. The result is not safe for
// concurrent use: give each goroutine its own (e.g. through a sync.Pool).
func NewRand() *rand.Rand {
	var seed [32]byte
	// crypto/rand.Read never returns an error on supported platforms (it crashes the
	// program instead), so there is nothing to handle.
	_, _ = crand.Read(seed[:])
	return rand.New(rand.NewChaCha8(seed))
}

// NewSeededRand returns a deterministic generator for simulations and tests that must
// reproduce a sequence.
func NewSeededRand(seed uint64) *rand.Rand {
	var b [32]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	return rand.New(rand.NewChaCha8(b))
}
