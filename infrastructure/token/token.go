// Package token mints and verifies the HS256 bearer tokens of API.md: sub = user id,
// roles ⊂ {user, marketer, admin}, exp, and optional trusted facts.
package token

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/lottery-go/lottery/domain/user"
)

// Roles a token can carry.
const (
	RoleUser     = "user"
	RoleMarketer = "marketer"
	RoleAdmin    = "admin"
)

// ErrInvalid covers every token that must be refused: bad signature, expired, malformed.
var ErrInvalid = errors.New("invalid token")

// Claims are what a verified token says about its bearer.
type Claims struct {
	Subject string
	Roles   []string
	Facts   map[string]any
	Expiry  time.Time
}

// Has reports whether the claims include role.
func (c Claims) Has(role string) bool {
	for _, r := range c.Roles {
		if r == role {
			return true
		}
	}
	return false
}

type jwtClaims struct {
	Roles []string       `json:"roles"`
	Facts map[string]any `json:"facts,omitempty"`
	jwt.RegisteredClaims
}

// Keys signs and verifies with one shared secret.
type Keys struct {
	secret   []byte
	issuer   string // required in tokens when set
	audience string // required in tokens when set
	parser   *jwt.Parser
	hint     string // added to "the signature does not match"
}

// NewKeys uses secret as the HS256 key.
func NewKeys(secret string) *Keys {
	return (&Keys{secret: []byte(secret)}).For("", "")
}

// For makes the keys require tokens issued by issuer for audience (each when not empty),
// and put them in the tokens they mint: one HS256 key shared with an identity provider
// may sign tokens for other services too.
func (k *Keys) For(issuer, audience string) *Keys {
	opts := []jwt.ParserOption{jwt.WithValidMethods([]string{"HS256"}), jwt.WithExpirationRequired(), jwt.WithJSONNumber(),
		jwt.WithLeeway(30 * time.Second)}
	if issuer != "" {
		opts = append(opts, jwt.WithIssuer(issuer))
	}
	if audience != "" {
		opts = append(opts, jwt.WithAudience(audience))
	}
	k.issuer, k.audience, k.parser = issuer, audience, jwt.NewParser(opts...)
	return k
}

// WithMismatchHint adds hint to the refusal of a token signed with another key: a
// development server, whose key is new at every start, says so.
func (k *Keys) WithMismatchHint(hint string) *Keys {
	k.hint = hint
	return k
}

// DevSecret returns a random secret for a development server that was given none.
func DevSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ValidRole reports whether r is a known role.
func ValidRole(r string) bool {
	return r == RoleUser || r == RoleMarketer || r == RoleAdmin
}

// Mint signs a token for sub with roles and facts, valid for ttl.
func (k *Keys) Mint(sub string, roles []string, facts map[string]any, ttl time.Duration) (string, error) {
	if err := user.ValidUserID(sub); err != nil {
		return "", fmt.Errorf("subject: %w", err)
	}
	for _, r := range roles {
		if !ValidRole(r) {
			return "", fmt.Errorf("unknown role %q (want user, marketer, admin)", r)
		}
	}
	if ttl <= 0 {
		return "", fmt.Errorf("ttl must be positive")
	}
	now := time.Now()
	c := jwtClaims{Roles: roles, Facts: facts, RegisteredClaims: jwt.RegisteredClaims{
		Issuer:    k.issuer,
		Subject:   sub,
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
	}}
	if k.audience != "" {
		c.Audience = jwt.ClaimStrings{k.audience}
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(k.secret)
}

// Verify checks the signature and expiry and returns the claims.
func (k *Keys) Verify(raw string) (Claims, error) {
	var c jwtClaims
	_, err := k.parser.ParseWithClaims(raw, &c, func(*jwt.Token) (any, error) { return k.secret, nil })
	if err != nil {
		msg := why(err, k.required())
		if k.hint != "" && errors.Is(err, jwt.ErrTokenSignatureInvalid) {
			msg += "; " + k.hint
		}
		return Claims{}, fmt.Errorf("%w: %s", ErrInvalid, msg)
	}
	// The subject names the user in stores and keys, so it must be a valid user id: an id
	// the admin API could not blacklist must not draw either.
	if err := user.ValidUserID(c.Subject); err != nil {
		return Claims{}, fmt.Errorf("%w: subject: %v", ErrInvalid, err)
	}
	user.ExactNumbers(c.Facts) // parsed with JSON numbers: a whole number above 2^53 stays exact
	return Claims{Subject: c.Subject, Roles: c.Roles, Facts: c.Facts, Expiry: c.ExpiresAt.Time}, nil
}

// required names the claims a token must carry.
func (k *Keys) required() string {
	r := "exp"
	if k.issuer != "" {
		r += ", iss"
	}
	if k.audience != "" {
		r += ", aud"
	}
	return r
}

// why words a parse failure for the client without the library's internals (Go type and
// field names).
func why(err error, required string) string {
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return "the token has expired"
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return "the token is not valid yet"
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return "the signature does not match"
	case errors.Is(err, jwt.ErrTokenUnverifiable), errors.Is(err, jwt.ErrSignatureInvalid):
		return "the token is not signed with HS256 and this server's key"
	case errors.Is(err, jwt.ErrTokenMalformed):
		return "the token is malformed: not three base64url parts of JSON, or claims of the wrong type (roles must be a list of strings, facts an object, exp a number)"
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return "the token is not from the issuer this server trusts (iss)"
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return "the token is not meant for this server (aud)"
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return "the token lacks a required claim (" + required + ")"
	case errors.Is(err, jwt.ErrTokenInvalidClaims):
		return "the token's claims are invalid"
	}
	return "the token could not be verified"
}
