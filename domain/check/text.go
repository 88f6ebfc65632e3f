package check

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text checks a human-readable string: at most maxRunes characters (runes, not bytes, so
// a Chinese name gets the same room as an English one), valid UTF-8, no control
// characters other than newline and tab when multiline is set, and, when required, not
// blank.
func (l *List) Text(field, s string, required bool, maxRunes int, multiline bool) {
	if required && strings.TrimSpace(s) == "" {
		l.Add(field, CodeRequired, field+" is required")
		return
	}
	if n := utf8.RuneCountInString(s); n > maxRunes {
		l.Add(field, CodeTooLong, fmt.Sprintf("%s is %d characters long, at most %d are allowed", field, n, maxRunes))
		return
	}
	if !utf8.ValidString(s) {
		l.Add(field, CodeInvalidChar, field+" is not valid UTF-8")
		return
	}
	for _, r := range s {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\t' || r == '\r')) {
			l.Add(field, CodeInvalidChar, fmt.Sprintf("%s contains the control character %U", field, r))
			return
		}
	}
}

// Empty reports field as not allowed when s is not empty: a value that does not belong
// where it was given is refused rather than silently dropped.
func (l *List) Empty(field, s string, why string) {
	if s != "" {
		l.Add(field, CodeNotAllowed, why)
	}
}
