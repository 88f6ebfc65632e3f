package main

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/lottery-go/lottery/infrastructure/config"
)

type cfgAndLog struct {
	cfg config.Config
	log *slog.Logger
}

func loadConfig(path string) (cfgAndLog, error) {
	cfg, err := config.Load(path, os.LookupEnv)
	if err != nil {
		return cfgAndLog{}, err
	}
	log := newLogger(cfg.Log)
	for _, name := range config.UnknownEnv(os.Environ()) {
		log.Warn("environment variable names no configuration key; ignored (see lottery config)", "name", name)
	}
	return cfgAndLog{cfg: cfg, log: log}, nil
}

func newLogger(c config.Log) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

func printf(format string, args ...any) {
	fmt.Fprintf(os.Stdout, format, args...)
}
