package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJobSchedulesDefaultOn(t *testing.T) {
	t.Parallel()
	c, err := Load("", envOf(nil))
	require.NoError(t, err)
	for name, spec := range map[string]string{"outbox": c.Jobs.Outbox, "recovery": c.Jobs.Recovery,
		"release": c.Jobs.Release, "reconcile": c.Jobs.Reconcile, "states": c.Jobs.States} {
		assert.NoError(t, parseSchedule(spec), name)
		assert.NotEqual(t, JobOff, spec, name)
	}
	assert.Empty(t, c.Grants.WebhookSecret)
}

func TestJobSchedulesFromFileAndEnvironment(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "lottery.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`
jobs:
  outbox: "*/3 * * * * *"
  release: off
  reconcile: "@every 1m"
grants:
  webhook_secret: from-the-file-0123
`), 0o600))
	c, err := Load(path, envOf(map[string]string{
		"LOTTERY_JOBS_STATES":           "0 * * * * *",
		"LOTTERY_JOBS_RECONCILE":        "off",
		"LOTTERY_GRANTS_WEBHOOK_SECRET": "from-the-env-456789",
	}))
	require.NoError(t, err)
	assert.Equal(t, Jobs{Outbox: "*/3 * * * * *", Recovery: Default().Jobs.Recovery, Release: JobOff,
		Reconcile: JobOff, States: "0 * * * * *"}, c.Jobs)
	assert.Equal(t, "from-the-env-456789", c.Grants.WebhookSecret)
}

func TestJobSettingsRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		env, value string
	}{
		{"LOTTERY_JOBS_OUTBOX", "*/10 * * * *"}, // five fields: no seconds
		{"LOTTERY_JOBS_RECOVERY", "sometimes"},
		{"LOTTERY_JOBS_RELEASE", "OFF"},
		{"LOTTERY_JOBS_RECONCILE", ""},
		{"LOTTERY_JOBS_STATES", "@every banana"},
		{"LOTTERY_GRANTS_WEBHOOK_SECRET", "short"},
	}
	for _, tt := range tests {
		_, err := Load("", envOf(map[string]string{tt.env: tt.value}))
		var ce *Error
		require.ErrorAs(t, err, &ce, "%s=%q", tt.env, tt.value)
		assert.Equal(t, tt.env, ce.Source)
	}
}

func TestJobKeysAreDescribed(t *testing.T) {
	t.Parallel()
	described := map[string]string{}
	for _, row := range Describe() {
		described[row[0]] = row[1]
	}
	for _, name := range []string{"outbox", "recovery", "release", "reconcile", "states"} {
		assert.Equal(t, "LOTTERY_JOBS_"+strings.ToUpper(name), described["jobs."+name])
	}
	assert.Equal(t, "LOTTERY_GRANTS_WEBHOOK_SECRET", described["grants.webhook_secret"])
}
