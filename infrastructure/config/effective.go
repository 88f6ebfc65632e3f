package config

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// shows reads each key's value back from a Config, as the file would write it.
var shows = map[string]func(c Config) string{
	"http.addr":       func(c Config) string { return c.HTTP.Addr },
	"http.body_limit": func(c Config) string { return strconv.FormatInt(c.HTTP.BodyLimit, 10) },
	"http.trusted_proxies": func(c Config) string {
		ps := make([]string, len(c.HTTP.TrustedProxies))
		for i, p := range c.HTTP.TrustedProxies {
			ps[i] = p.String()
		}
		return strings.Join(ps, ",")
	},
	"http.shutdown_timeout":  func(c Config) string { return c.HTTP.ShutdownTimeout.String() },
	"data_dir":               func(c Config) string { return c.DataDir },
	"mysql.dsn":              func(c Config) string { return MaskDSN(c.MySQLDSN) },
	"redis.addr":             func(c Config) string { return c.Redis.Addr },
	"redis.password":         func(c Config) string { return mask(c.Redis.Password) },
	"redis.db":               func(c Config) string { return strconv.Itoa(c.Redis.DB) },
	"redis.prefix":           func(c Config) string { return c.Redis.Prefix },
	"redis.restart_check":    func(c Config) string { return durationOrOff(c.Redis.RestartCheck) },
	"nats.url":               func(c Config) string { return MaskURL(c.NATS.URL) },
	"nats.prefix":            func(c Config) string { return c.NATS.Prefix },
	"auth.secret":            func(c Config) string { return mask(c.Auth.Secret) },
	"auth.issuer":            func(c Config) string { return c.Auth.Issuer },
	"auth.audience":          func(c Config) string { return c.Auth.Audience },
	"log.level":              func(c Config) string { return c.Log.Level },
	"log.format":             func(c Config) string { return c.Log.Format },
	"migrate":                func(c Config) string { return strconv.FormatBool(c.Migrate) },
	"roles":                  func(c Config) string { return strings.Join(c.Roles, ",") },
	"persist":                func(c Config) string { return c.Persist },
	"draw.rate_per_user":     func(c Config) string { return strconv.FormatFloat(c.Draw.RatePerUser, 'g', -1, 64) },
	"draw.rate_per_ip":       func(c Config) string { return strconv.FormatFloat(c.Draw.RatePerIP, 'g', -1, 64) },
	"draw.rate_burst":        func(c Config) string { return strconv.Itoa(c.Draw.RateBurst) },
	"draw.reload_grace":      func(c Config) string { return c.Draw.ReloadGrace.String() },
	"draw.idempotency_ttl":   func(c Config) string { return c.Draw.IdempotencyTTL.String() },
	"node_id":                func(c Config) string { return strconv.FormatInt(c.NodeID, 10) },
	"jobs.outbox":            func(c Config) string { return c.Jobs.Outbox },
	"jobs.recovery":          func(c Config) string { return c.Jobs.Recovery },
	"jobs.release":           func(c Config) string { return c.Jobs.Release },
	"jobs.reconcile":         func(c Config) string { return c.Jobs.Reconcile },
	"jobs.states":            func(c Config) string { return c.Jobs.States },
	"grants.webhook_secret":  func(c Config) string { return mask(c.Grants.WebhookSecret) },
	"grants.webhook_private": func(c Config) string { return strconv.FormatBool(c.Grants.WebhookPrivate) },
	"grants.webhook_timeout": func(c Config) string { return c.Grants.WebhookTimeout.String() },
	"grants.max_attempts":    func(c Config) string { return strconv.Itoa(c.Grants.MaxAttempts) },
	"grants.backoff":         func(c Config) string { return joinDurations(c.Grants.Backoff) },
	"grants.give_up_after":   func(c Config) string { return durationOrOff(c.Grants.GiveUpAfter) },
}

// Effective lists every key with its value in c and where that value came from: the
// environment variable that set it, the file at path, or the default. Secrets are masked.
func Effective(c Config, path string, lookupEnv func(string) (string, bool)) ([][3]string, error) {
	var file map[string]string
	if path != "" {
		var err error
		if file, err = readFile(path); err != nil {
			return nil, err
		}
	}
	rows := make([][3]string, len(keys))
	for i, k := range keys {
		source := "default"
		if _, ok := file[k.path]; ok {
			source = path
		}
		if _, ok := lookupEnv(k.env); ok {
			source = k.env
		}
		rows[i] = [3]string{k.path, shows[k.path](c), source}
	}
	return rows, nil
}

// MaskURL hides the secrets of the user information of every URL in a comma-separated
// list (nats://user:pass@h1,nats://user:pass@h2): a password, or a user name standing
// alone, which NATS takes for a token (nats://token@host). What does not parse as a URL
// has everything before its host hidden.
func MaskURL(raw string) string {
	parts := strings.Split(raw, ",")
	for i, p := range parts {
		parts[i] = maskOneURL(p)
	}
	return strings.Join(parts, ",")
}

func maskOneURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.User == nil && strings.Contains(raw, "@")) {
		at := strings.LastIndex(raw, "@")
		if at < 0 {
			return raw
		}
		scheme, _, ok := strings.Cut(raw[:at], "://")
		if !ok {
			return "***" + raw[at:]
		}
		return scheme + "://***" + raw[at:]
	}
	if u.User == nil {
		return raw
	}
	if _, hasPassword := u.User.Password(); !hasPassword {
		u.User = nil
		return strings.Replace(u.String(), "://", "://***@", 1)
	}
	return u.Redacted()
}

// maskValue hides what a refused value of key would reveal of a secret.
func maskValue(key, v string) string {
	switch key {
	case "auth.secret", "grants.webhook_secret", "redis.password":
		return mask(v)
	case "mysql.dsn":
		return MaskDSN(v)
	case "nats.url":
		return MaskURL(v)
	}
	return v
}

// mask hides a secret's value, showing only whether one is set.
func mask(secret string) string {
	if secret == "" {
		return ""
	}
	return "***"
}

// MaskDSN hides the password of a DSN user:password@… and keeps the rest.
func MaskDSN(dsn string) string {
	at := strings.LastIndex(dsn, "@")
	if at < 0 {
		return dsn
	}
	cred, scheme := dsn[:at], ""
	if i := strings.Index(cred, "://"); i >= 0 { // a URL given by mistake: its scheme is no password
		scheme, cred = cred[:i+3], cred[i+3:]
	}
	if colon := strings.Index(cred, ":"); colon >= 0 {
		cred = cred[:colon] + ":***"
	}
	return scheme + cred + dsn[at:]
}

// joinDurations shows a list of durations as it is written: comma-separated.
func joinDurations(ds []time.Duration) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = d.String()
	}
	return strings.Join(s, ",")
}

func durationOrOff(d time.Duration) string {
	if d < 0 {
		return "off"
	}
	return d.String()
}

// checkShows fails when a key has no way to be shown: a key added to keys.go needs its
// line in shows too.
func checkShows() error {
	for _, k := range keys {
		if shows[k.path] == nil {
			return fmt.Errorf("config key %s has no entry in shows", k.path)
		}
	}
	return nil
}
