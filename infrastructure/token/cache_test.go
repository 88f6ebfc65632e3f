package token

import (
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCachedKeysAgreeWithKeys(t *testing.T) {
	t.Parallel()
	k := NewKeys("0123456789abcdef0123456789abcdef")
	c := NewCachedKeys(k, 2)
	good, err := k.Mint("u1", []string{RoleUser}, nil, time.Hour)
	require.NoError(t, err)
	for i := 0; i < 3; i++ {
		cl, err := c.Verify(good)
		require.NoError(t, err)
		assert.Equal(t, "u1", cl.Subject)
	}
	forged := good[:len(good)-2] + "xx"
	_, err = c.Verify(forged)
	assert.True(t, errors.Is(err, ErrInvalid), "a changed signature is checked, never a hit")

	// A token cached while valid and expired since is not served from the cache.
	past := jwtClaims{Roles: []string{RoleUser}, RegisteredClaims: jwt.RegisteredClaims{
		Subject: "u2", ExpiresAt: jwt.NewNumericDate(time.Now().Add(-time.Minute))}}
	expired, err := jwt.NewWithClaims(jwt.SigningMethodHS256, past).SignedString(k.secret)
	require.NoError(t, err)
	c.mu.Lock()
	c.entries[expired] = Claims{Subject: "u2", Expiry: time.Now().Add(-time.Second)}
	c.mu.Unlock()
	_, err = c.Verify(expired)
	assert.True(t, errors.Is(err, ErrInvalid), "got %v", err)

	for i := 0; i < 5; i++ {
		tok, err := k.Mint("many", []string{RoleUser}, nil, time.Hour)
		require.NoError(t, err)
		_, err = c.Verify(tok)
		require.NoError(t, err)
	}
	c.mu.RLock()
	assert.LessOrEqual(t, len(c.entries), 2, "bounded")
	c.mu.RUnlock()
}
