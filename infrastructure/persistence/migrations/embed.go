// Package migrations holds the versioned SQL schema, one folder per dialect, embedded in
// the binary. A change adds a new numbered file; applied files are never edited.
package migrations

import "embed"

// FS holds mysql/*.sql and sqlite/*.sql.
//
//go:embed mysql/*.sql sqlite/*.sql
var FS embed.FS
