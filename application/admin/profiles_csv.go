package admin

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/lottery-go/lottery/domain/check"
	"github.com/lottery-go/lottery/domain/user"
	"github.com/lottery-go/lottery/rules"
)

// ListSeparator splits the cells of []string columns: "vip|gold".
const ListSeparator = "|"

// column is one attribute column of an import and the type its cells are read as.
type column struct {
	name string
	typ  rules.FactType
}

// readProfiles reads a profile import. The header row is user_id followed by one column
// per attribute, each named "name" or "name:type" with a rule fact type (int, float,
// string, bool, time, []string; string when left out). The types travel with the file,
// so the same file imports the same way whichever tree later reads it. Each further row
// is one user's whole profile; an empty cell leaves that attribute out, a time is
// RFC 3339, and list items are separated by ListSeparator. Problems are reported at
// "rows[<line>].<column>", the line numbered as a spreadsheet shows it (the header is 1).
func readProfiles(r io.Reader, now time.Time) ([]user.Profile, error) {
	cr := csv.NewReader(r)
	var l check.List
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		l.Add("rows[1]", check.CodeRequired, "the file is empty; its first row names the columns: user_id,<attribute>[:<type>],…")
		return nil, l.Err()
	}
	if err != nil {
		return nil, csvProblem(err, &l)
	}
	cols := readHeader(header, &l)
	if err := l.Err(); err != nil {
		return nil, err
	}
	cr.FieldsPerRecord = len(header)
	seen := map[string]int{}
	var out []user.Profile
	for {
		rec, err := cr.Read()
		var pe *csv.ParseError
		switch {
		case errors.Is(err, io.EOF):
			if err := l.Err(); err != nil {
				return nil, err
			}
			return out, nil
		case errors.As(err, &pe) && errors.Is(pe.Err, csv.ErrFieldCount):
			l.Add(fmt.Sprintf("rows[%d]", pe.StartLine), check.CodeInvalid,
				fmt.Sprintf("line %d has %d cells, the header has %d", pe.StartLine, len(rec), len(header)))
			continue
		case err != nil:
			return nil, csvProblem(err, &l)
		}
		line, _ := cr.FieldPos(0)
		if p, ok := readRow(rec, line, cols, seen, now, &l); ok {
			out = append(out, p)
		}
	}
}

// csvProblem adds a syntax error to the problems found so far, since the reader cannot
// go on after one reliably; any other error (the body limit, say) is returned as it is.
func csvProblem(err error, l *check.List) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		return fmt.Errorf("read profile import: %w", err)
	}
	l.Add(fmt.Sprintf("rows[%d]", pe.Line), check.CodeInvalid, pe.Error())
	return l.Err()
}

func readHeader(header []string, l *check.List) []column {
	// Spreadsheets often save UTF-8 with a byte order mark in front of the first cell.
	if first := strings.TrimPrefix(header[0], "\ufeff"); strings.TrimSpace(first) != "user_id" {
		l.Add("rows[1].columns[0]", check.CodeRequired, "the first column must be user_id")
	}
	if n := len(header) - 1; n > user.MaxAttributes {
		l.Add("rows[1]", check.CodeTooMany, fmt.Sprintf("%d attribute columns, at most %d are allowed", n, user.MaxAttributes))
		return nil
	}
	cols := make([]column, len(header)-1)
	names := make(map[string]any, len(cols))
	for i, h := range header[1:] {
		field := check.Index("rows[1].columns", i+1)
		name, typ, typed := strings.Cut(strings.TrimSpace(h), ":")
		if !typed {
			typ = string(rules.TypeString)
		}
		cols[i] = column{name: name, typ: rules.FactType(typ)}
		if !knownType(cols[i].typ) {
			l.Add(field, check.CodeUnknown, fmt.Sprintf("column %q: unknown type %q; use int, float, string, bool, time or []string", name, typ))
		}
		if _, dup := names[name]; dup {
			l.Add(field, check.CodeDuplicate, fmt.Sprintf("column %q appears more than once", name))
		}
		names[name] = ""
	}
	// The domain judges attribute names; asking it once here spares a problem per row.
	_, err := user.NewProfile("header", names, time.Time{})
	for _, p := range check.Problems(err) {
		l.Add("rows[1]."+strings.TrimPrefix(p.Field, "attributes."), p.Code, p.Message)
	}
	return cols
}

func knownType(t rules.FactType) bool {
	switch t {
	case rules.TypeInt, rules.TypeFloat, rules.TypeString, rules.TypeBool, rules.TypeTime, rules.TypeStrings:
		return true
	}
	return false
}

// readRow turns one row into a profile, adding its problems to l; ok is false when the
// row had any.
func readRow(rec []string, line int, cols []column, seen map[string]int, now time.Time, l *check.List) (user.Profile, bool) {
	before := l.Len()
	row := fmt.Sprintf("rows[%d]", line)
	id := rec[0]
	if first, dup := seen[id]; dup {
		l.Add(row+".user_id", check.CodeDuplicate, fmt.Sprintf("user %q is on line %d already", id, first))
	} else {
		seen[id] = line
	}
	attrs := make(map[string]any, len(cols))
	for i, c := range cols {
		if rec[i+1] == "" {
			continue
		}
		v, err := parseCell(rec[i+1], c.typ)
		if err != nil {
			l.Add(row+"."+c.name, check.CodeInvalid, fmt.Sprintf("line %d, column %d (%s): %v", line, i+2, c.name, err))
			continue
		}
		attrs[c.name] = v
	}
	p, err := user.NewProfile(id, attrs, now)
	for _, pr := range check.Problems(err) {
		l.Add(row+"."+strings.TrimPrefix(pr.Field, "attributes."), pr.Code, fmt.Sprintf("line %d: %s", line, pr.Message))
	}
	return p, l.Len() == before
}

func parseCell(s string, t rules.FactType) (any, error) {
	switch t {
	case rules.TypeInt:
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a whole number", s)
		}
		return n, nil
	case rules.TypeFloat:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return nil, fmt.Errorf("%q is not a number", s)
		}
		return f, nil
	case rules.TypeBool:
		b, err := strconv.ParseBool(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("%q is not true or false", s)
		}
		return b, nil
	case rules.TypeTime:
		at, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("%q is not an RFC 3339 time such as 2026-01-31T09:00:00Z", s)
		}
		return at.UTC(), nil
	case rules.TypeStrings:
		items := strings.Split(s, ListSeparator)
		for i := range items {
			items[i] = strings.TrimSpace(items[i])
		}
		return items, nil
	}
	return s, nil
}
