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
	raw, err := k.Mint("u1", []string{RoleUser, RoleMarketer}, map[string]any{"age": 30.0, "uid": int64(9007199254740993),
		"score": 2.5, "ids": []any{int64(1 << 62), "x"}}, time.Hour)
	require.NoError(t, err)
	c, err := k.Verify(raw)
	require.NoError(t, err)
	assert.Equal(t, "u1", c.Subject)
	assert.True(t, c.Has(RoleMarketer))
	assert.False(t, c.Has(RoleAdmin))
	assert.Equal(t, int64(30), c.Facts["age"], "a whole number is an integer")
	assert.Equal(t, int64(9007199254740993), c.Facts["uid"], "exact above 2^53")
	assert.Equal(t, 2.5, c.Facts["score"])
	assert.Equal(t, []any{int64(1 << 62), "x"}, c.Facts["ids"])
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
	sign := func(c jwt.Claims) string {
		raw, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(k.secret)
		require.NoError(t, err)
		return raw
	}
	future := jwt.NewNumericDate(time.Now().Add(time.Hour))
	cases := map[string]struct{ raw, says string }{
		"other key": {good, "signature does not match"},
		"expired":   {expired, "has expired"},
		"alg none":  {none, "invalid token"},
		"garbage":   {"not.a.token", "malformed"},
		"empty":     {"", "malformed"},
		// A subject the admin API could not name (blacklist, profile) must not draw.
		"space in subject": {sign(jwtClaims{Roles: []string{RoleUser}, RegisteredClaims: jwt.RegisteredClaims{
			Subject: "a b", ExpiresAt: future}}), "subject: invalid user id"},
		"non-ASCII subject": {sign(jwtClaims{Roles: []string{RoleUser}, RegisteredClaims: jwt.RegisteredClaims{
			Subject: "ü1", ExpiresAt: future}}), `'ü' at byte 0`},
		"roles not a list": {sign(jwt.MapClaims{"sub": "u1", "roles": "user", "exp": future.Unix()}), "roles must be a list"},
	}
	for name, tc := range cases {
		_, err := k.Verify(tc.raw)
		assert.True(t, errors.Is(err, ErrInvalid), name)
		assert.ErrorContains(t, err, tc.says, name)
		assert.NotContains(t, err.Error(), "Go ", name)
	}

	// A development server says why a token of its last run no longer works.
	dev := NewKeys("0123456789abcdef0123456789abcdef").WithMismatchHint("a new key at every start")
	_, err = dev.Verify(good)
	assert.ErrorContains(t, err, "the signature does not match; a new key at every start")
	_, err = dev.Verify(expired)
	assert.NotContains(t, err.Error(), "new key", "only a signature made with another key")
}

func TestMintRefusesBadInput(t *testing.T) {
	t.Parallel()
	k := NewKeys("0123456789abcdef0123456789abcdef")
	_, err := k.Mint("", []string{RoleUser}, nil, time.Hour)
	assert.Error(t, err)
	_, err = k.Mint("a{b}", []string{RoleUser}, nil, time.Hour)
	assert.ErrorContains(t, err, "not allowed")
	_, err = k.Mint("u", []string{"root"}, nil, time.Hour)
	assert.ErrorContains(t, err, "root")
	_, err = k.Mint("u", nil, nil, 0)
	assert.Error(t, err)
}

// With an issuer and an audience configured, the key's tokens for other services (or from
// another issuer) are refused, and a token without them too; minted tokens carry both.
func TestIssuerAndAudienceAreRequiredWhenSet(t *testing.T) {
	t.Parallel()
	const secret = "0123456789abcdef0123456789abcdef"
	k := NewKeys(secret).For("https://id.example", "lottery")
	raw, err := k.Mint("u1", []string{RoleUser}, nil, time.Hour)
	require.NoError(t, err)
	_, err = k.Verify(raw)
	require.NoError(t, err)

	sign := func(iss string, aud ...string) string {
		c := jwtClaims{Roles: []string{RoleUser}, RegisteredClaims: jwt.RegisteredClaims{Subject: "u1", Issuer: iss,
			Audience: aud, ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))}}
		raw, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(secret))
		require.NoError(t, err)
		return raw
	}
	_, err = k.Verify(sign("https://id.example", "billing", "lottery"))
	require.NoError(t, err, "one of several audiences")
	cases := map[string]struct{ raw, says string }{
		"another audience": {sign("https://id.example", "billing"), "not meant for this server (aud)"},
		"no audience":      {sign("https://id.example"), "lacks a required claim (exp, iss, aud)"},
		"another issuer":   {sign("https://evil.example", "lottery"), "not from the issuer this server trusts (iss)"},
		"no issuer":        {sign("", "lottery"), "lacks a required claim (exp, iss, aud)"},
	}
	for name, tc := range cases {
		_, err := k.Verify(tc.raw)
		assert.True(t, errors.Is(err, ErrInvalid), name)
		assert.ErrorContains(t, err, tc.says, name)
	}

	plain := NewKeys(secret)
	_, err = plain.Verify(sign("anyone", "anything"))
	require.NoError(t, err, "without settings neither is looked at")
}
