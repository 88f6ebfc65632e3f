package award

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/lottery-go/lottery/domain/check"
)

const (
	// MaxCodeLength is the longest redeem code, in characters.
	MaxCodeLength = 64
	// MaxCodesPerUpload bounds one upload so a single request cannot hold a transaction
	// for minutes; larger pools are uploaded in several batches.
	MaxCodesPerUpload = 100_000
)

// NormalizeCodes prepares an uploaded batch of redeem codes: it trims surrounding space
// (CSV files carry "\r" and stray blanks), refuses empty, over-long and control-character
// codes with a *check.Error ("codes[i]"), and drops in-batch duplicates, counting them.
// The unique codes keep their first-seen order. Codes are case-sensitive.
func NormalizeCodes(codes []string) (unique []string, duplicates int, err error) {
	var l check.List
	switch {
	case len(codes) == 0:
		l.Add("codes", check.CodeRequired, "at least one code is required")
	case len(codes) > MaxCodesPerUpload:
		l.Add("codes", check.CodeTooMany, fmt.Sprintf("at most %d codes per upload", MaxCodesPerUpload))
	}
	if err := l.Err(); err != nil {
		return nil, 0, err
	}
	seen := make(map[string]struct{}, len(codes))
	unique = make([]string, 0, len(codes))
	for i, raw := range codes {
		code := strings.TrimSpace(raw)
		if i == 0 {
			// A byte-order mark that a spreadsheet wrote before the first line is not
			// part of the first code.
			code = strings.TrimSpace(strings.TrimPrefix(code, "\ufeff"))
		}
		if c, msg := codeProblem(code); c != "" {
			l.Add(check.Index("codes", i), c, msg)
			continue
		}
		if _, dup := seen[code]; dup {
			duplicates++
			continue
		}
		seen[code] = struct{}{}
		unique = append(unique, code)
	}
	if err := l.Err(); err != nil {
		return nil, 0, err
	}
	return unique, duplicates, nil
}

// codeProblem returns the problem code and message for a trimmed code, or "" when fine.
func codeProblem(code string) (string, string) {
	switch {
	case code == "":
		return check.CodeRequired, "code is empty"
	case !utf8.ValidString(code):
		return check.CodeInvalidChar, "code is not valid UTF-8"
	case utf8.RuneCountInString(code) > MaxCodeLength:
		return check.CodeTooLong, fmt.Sprintf("code is longer than %d characters", MaxCodeLength)
	case strings.IndexFunc(code, unicode.IsControl) >= 0:
		return check.CodeInvalidChar, "code contains a control character"
	case strings.IndexFunc(code, isFormat) >= 0:
		return check.CodeInvalidChar, "code contains an invisible formatting character (such as a zero-width space or a byte-order mark) that a winner could not type"
	}
	return "", ""
}

// isFormat reports Unicode format characters (Cf): invisible, and never typed by a winner.
func isFormat(r rune) bool { return unicode.Is(unicode.Cf, r) }
