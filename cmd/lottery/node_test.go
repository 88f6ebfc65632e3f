package main

import (
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A configured node is taken back from a holder on this host only once its process has
// ended; one that runs, or one on another host, keeps it.
func TestNodeHolderGone(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("process ids are not asked where signals are missing")
	}
	gone := nodeHolderGone(5)
	host := nodeHost(5)

	ended := exec.Command("true")
	require.NoError(t, ended.Run())
	assert.True(t, gone(host+"#"+strconv.Itoa(ended.Process.Pid)), "its process has ended")
	assert.False(t, gone(host+"#"+strconv.Itoa(os.Getppid())), "its process runs")
	assert.True(t, gone(host), "named by host alone, by an earlier version")
	assert.False(t, gone("node-5@another-host#1"), "another host")
	assert.False(t, gone(nodeHost(6)+"#1"), "another node's name")
	assert.False(t, gone(host+"#x"), "not a process id")
	assert.NotEqual(t, fixedNodeHolder(5), host, "two processes on one host have their own names")
}
