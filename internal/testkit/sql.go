package testkit

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/lottery-go/lottery/infrastructure/persistence"
)

// SQLEnv is one migrated, empty database set aside for one test.
type SQLEnv struct {
	Name string // "sqlite" or "mysql"
	DB   *persistence.DB
	DSN  string // for mysql: the DSN of the test's own database; for sqlite: the file path
}

// EachSQL runs fn once per available SQL backend, as subtests named after it.
func EachSQL(t *testing.T, fn func(t *testing.T, env SQLEnv)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	if dsn := os.Getenv("LOTTERY_TEST_MYSQL_DSN"); dsn != "" {
		t.Run("mysql", func(t *testing.T) { fn(t, MySQL(t, dsn)) })
	}
}

// SQLite opens a migrated SQLite file in the test's temp dir.
func SQLite(t testing.TB) SQLEnv {
	t.Helper()
	path := filepath.Join(t.TempDir(), "lottery.db")
	db, err := persistence.OpenSQLite(context.Background(), path)
	if err != nil {
		t.Fatalf("sqlite: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	migrate(t, db)
	return SQLEnv{Name: "sqlite", DB: db, DSN: path}
}

// MySQL creates a fresh database on the server of serverDSN, migrates it, and drops it
// when the test ends.
func MySQL(t testing.TB, serverDSN string) SQLEnv {
	t.Helper()
	dsn := MySQLDatabase(t, serverDSN)
	db, err := persistence.OpenMySQL(context.Background(), dsn)
	if err != nil {
		t.Fatalf("mysql: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	migrate(t, db)
	return SQLEnv{Name: "mysql", DB: db, DSN: dsn}
}

// MySQLDatabase creates an empty database for the test and returns its DSN.
func MySQLDatabase(t testing.TB, serverDSN string) string {
	t.Helper()
	cfg, err := mysql.ParseDSN(serverDSN)
	if err != nil {
		t.Fatalf("LOTTERY_TEST_MYSQL_DSN: %v", err)
	}
	admin, err := persistence.OpenMySQL(context.Background(), serverDSN)
	if err != nil {
		t.Fatalf("mysql: %v", err)
	}
	name := UniqueName("lt")
	if err := admin.Gorm.Exec("CREATE DATABASE " + name).Error; err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() {
		_ = admin.Gorm.Exec("DROP DATABASE IF EXISTS " + name).Error
		_ = admin.Close()
	})
	cfg.DBName = name
	return cfg.FormatDSN()
}

func migrate(t testing.TB, db *persistence.DB) {
	t.Helper()
	if _, err := db.MigrateUp(context.Background()); err != nil {
		t.Fatalf("migrate %s: %v", db.Dialect, err)
	}
}
