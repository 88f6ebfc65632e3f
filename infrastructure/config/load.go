package config

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Error names the key whose value was refused.
type Error struct {
	Key    string // dotted file path, e.g. http.addr
	Source string // the file or environment variable it came from
	Value  string
	Reason string
}

// Error shows the value with its secrets masked: a key's password never reaches a log.
func (e *Error) Error() string {
	return fmt.Sprintf("config %s (from %s): %q: %s", e.Key, e.Source, maskValue(e.Key, e.Value), e.Reason)
}

// Load builds the configuration: defaults, then the YAML file at path (if not empty), then
// the environment as given by lookupEnv (os.LookupEnv in production: a variable set to the
// empty string clears a file value). Every refused value is reported, not only the first.
func Load(path string, lookupEnv func(string) (string, bool)) (Config, error) {
	c := Default()
	var errs []error
	if path != "" {
		values, err := readFile(path)
		if err != nil {
			return c, err
		}
		errs = append(errs, apply(&c, values, path)...)
	}
	env := map[string]string{}
	for _, k := range keys {
		if v, ok := lookupEnv(k.env); ok {
			env[k.path] = v
		}
	}
	errs = append(errs, applyEnv(&c, env)...)
	return c, errors.Join(errs...)
}

func readFile(path string) (map[string]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	values := map[string]string{}
	if len(doc.Content) == 0 {
		return values, nil // an empty file
	}
	if root := doc.Content[0]; root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("config file %s: line %d: want a mapping of keys to values", path, root.Line)
	}
	if err := flatten("", doc.Content[0], values); err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	return values, nil
}

// flatten turns nested YAML mappings into dotted keys; lists become comma-separated
// values. Every value is its text as written: YAML's own typing would turn a secret of
// digits into a float ("1.2345678901234568e+21") or read 00123456 as octal. A key given
// twice in one mapping is refused (YAML forbids it, and the parser would keep either).
func flatten(prefix string, m *yaml.Node, out map[string]string) error {
	seen := make(map[string]int, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		path := k.Value
		if prefix != "" {
			path = prefix + "." + k.Value
		}
		if first, dup := seen[k.Value]; dup {
			return fmt.Errorf("line %d: %s is given twice (first on line %d)", k.Line, path, first)
		}
		seen[k.Value] = k.Line
		for v.Kind == yaml.AliasNode {
			v = v.Alias
		}
		switch v.Kind {
		case yaml.MappingNode:
			if err := flatten(path, v, out); err != nil {
				return err
			}
		case yaml.SequenceNode:
			parts := make([]string, len(v.Content))
			for j, p := range v.Content {
				if p.Kind != yaml.ScalarNode {
					return fmt.Errorf("line %d: %s: a list of plain values is expected", p.Line, path)
				}
				parts[j] = p.Value
			}
			out[path] = strings.Join(parts, ",")
		default:
			if v.Tag == "!!null" {
				out[path] = ""
			} else {
				out[path] = v.Value
			}
		}
	}
	return nil
}

func apply(c *Config, values map[string]string, source string) []error {
	var errs []error
	byPath := map[string]key{}
	for _, k := range keys {
		byPath[k.path] = k
	}
	paths := make([]string, 0, len(values))
	for p := range values {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		k, ok := byPath[p]
		if !ok {
			errs = append(errs, &Error{Key: p, Source: source, Value: values[p], Reason: "unknown key"})
			continue
		}
		if err := k.set(c, values[p]); err != nil {
			errs = append(errs, &Error{Key: p, Source: source, Value: values[p], Reason: err.Error()})
		}
	}
	return errs
}

func applyEnv(c *Config, values map[string]string) []error {
	var errs []error
	for _, k := range keys {
		v, ok := values[k.path]
		if !ok {
			continue
		}
		if err := k.set(c, v); err != nil {
			errs = append(errs, &Error{Key: k.path, Source: k.env, Value: v, Reason: err.Error()})
		}
	}
	return errs
}

// UnknownEnv returns the LOTTERY_ variables of environ (KEY=value pairs, as os.Environ
// gives them) that name no key, so a misspelt LOTTERY_HTTP_ADR can be reported rather than
// silently ignored, as a misspelt key in the file is refused. LOTTERY_TEST_ variables
// belong to the tests.
func UnknownEnv(environ []string) []string {
	known := make(map[string]bool, len(keys))
	for _, k := range keys {
		known[k.env] = true
	}
	var out []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "LOTTERY_") && !strings.HasPrefix(name, "LOTTERY_TEST_") && !known[name] {
			out = append(out, name)
		}
	}
	return out
}

// Describe lists every key as "path | env | meaning" rows, for docs and --help.
func Describe() [][3]string {
	rows := make([][3]string, len(keys))
	for i, k := range keys {
		rows[i] = [3]string{k.path, k.env, k.doc}
	}
	return rows
}

// Set applies one value by its dotted key, validated like the file and the environment;
// command-line flags use it so that every source obeys the same rules.
func (c *Config) Set(path, value string) error {
	for _, k := range keys {
		if k.path == path {
			if err := k.set(c, value); err != nil {
				return &Error{Key: path, Source: "flag", Value: value, Reason: err.Error()}
			}
			return nil
		}
	}
	return &Error{Key: path, Source: "flag", Value: value, Reason: "unknown key"}
}
