package token

import (
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMintVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	k := NewKeys("0123456789abcdef0123456789abcdef")
	raw, err := k.Mint("u1", []string{RoleUser, RoleMarketer}, map[string]any{"age": 30.0}, time.Hour)
	require.NoError(t, err)
	c, err := k.Verify(raw)
	require.NoError(t, err)
	assert.Equal(t, "u1", c.Subject)
	assert.True(t, c.Has(RoleMarketer))
	assert.False(t, c.Has(RoleAdmin))
	assert.Equal(t, 30.0, c.Facts["age"])
}

func TestVerifyRefuses(t *testing.T) {
	t.Parallel()
	k := NewKeys("0123456789abcdef0123456789abcdef")
	other := NewKeys("fedcba9876543210fedcba9876543210")
	good, err := other.Mint("u1", []string{RoleUser}, nil, time.Hour)
	require.NoError(t, err)
	past := jwtClaims{Roles: []string{RoleUser}, RegisteredClaims: jwt.RegisteredClaims{
		Subject: "u1", ExpiresAt: jwt.NewNumericDate(time.Now().Add(-time.Minute))}}
	expired, err := jwt.NewWithClaims(jwt.SigningMethodHS256, past).SignedString(k.secret)
	require.NoError(t, err)
	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, past).SignedString(jwt.UnsafeAllowNoneSignatureType)
	require.NoError(t, err)
	cases := map[string]string{
		"other key": good,
		"expired":   expired,
		"alg none":  none,
		"garbage":   "not.a.token",
		"empty":     "",
	}
	for name, raw := range cases {
		_, err := k.Verify(raw)
		assert.True(t, errors.Is(err, ErrInvalid), name)
	}
}

func TestMintRefusesBadInput(t *testing.T) {
	t.Parallel()
	k := NewKeys("0123456789abcdef0123456789abcdef")
	_, err := k.Mint("", []string{RoleUser}, nil, time.Hour)
	assert.Error(t, err)
	_, err = k.Mint("u", []string{"root"}, nil, time.Hour)
	assert.ErrorContains(t, err, "root")
	_, err = k.Mint("u", nil, nil, 0)
	assert.Error(t, err)
}
