package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lottery-go/lottery/infrastructure/token"
)

func tokenCmd(load func() (cfgAndLog, error)) *cobra.Command {
	var sub, roles, facts string
	var ttl time.Duration
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Print a bearer token signed with the configured auth secret",
		Args:  cobra.NoArgs,
		Example: `  lottery token --sub u1 --roles user
  lottery token --sub alice --roles marketer,admin --ttl 1h
  lottery token --sub u2 --roles user --facts '{"age":30,"tags":["vip"]}'`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, err := load()
			if err != nil {
				return err
			}
			if cl.cfg.Auth.Secret == "" {
				return fmt.Errorf("no auth secret configured: set LOTTERY_AUTH_SECRET (or auth.secret in --config) to the server's key")
			}
			f, err := parseFacts(facts)
			if err != nil {
				return err
			}
			rs := splitRoles(roles)
			switch {
			case len(rs) == 0:
				return fmt.Errorf("--roles: name at least one of user, marketer, admin")
			case ttl < time.Second:
				return fmt.Errorf("--ttl: want 1s or longer")
			}
			raw, err := token.NewKeys(cl.cfg.Auth.Secret).For(cl.cfg.Auth.Issuer, cl.cfg.Auth.Audience).Mint(sub, rs, f, ttl)
			if err != nil {
				return err
			}
			printf("%s\n", raw)
			return nil
		},
	}
	cmd.Flags().StringVar(&sub, "sub", "", "user id (the token's subject)")
	cmd.Flags().StringVar(&roles, "roles", "user", "comma-separated roles: user, marketer, admin")
	cmd.Flags().DurationVar(&ttl, "ttl", 24*time.Hour, "how long the token is valid")
	cmd.Flags().StringVar(&facts, "facts", "", "trusted facts as a JSON object")
	_ = cmd.MarkFlagRequired("sub")
	return cmd
}

// parseFacts reads --facts, keeping whole numbers exact: the server reads a token's facts
// with JSON numbers, so 9007199254740993 must not become ...992 on the way.
func parseFacts(s string) (map[string]any, error) {
	if s == "" {
		return nil, nil
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var f map[string]any
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("--facts: want a JSON object: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("--facts: want one JSON object, and nothing after it")
	}
	return f, nil
}

func splitRoles(s string) []string {
	var out []string
	for _, r := range strings.Split(s, ",") {
		if r = strings.TrimSpace(r); r != "" {
			out = append(out, r)
		}
	}
	return out
}
