package rest

import (
	"regexp"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRequestIDsAreDistinctHex(t *testing.T) {
	t.Parallel()
	const workers, each = 8, 1000
	ids := make(chan string, workers*each)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				ids <- newRequestID()
			}
		}()
	}
	wg.Wait()
	close(ids)
	seen := map[string]bool{}
	hex24 := regexp.MustCompile(`^[0-9a-f]{24}$`)
	for id := range ids {
		assert.Regexp(t, hex24, id)
		assert.False(t, seen[id], "id %s twice", id)
		seen[id] = true
	}
	assert.Len(t, seen, workers*each)
}
