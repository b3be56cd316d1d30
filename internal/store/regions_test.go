package store

import (
	"context"
	"maps"
	"path/filepath"
	"testing"
)

// Regions committed with a cycle are there for the next process that
// opens the store; one committed again with another region takes it, and
// a failed cycle's regions are not kept.
func TestRegionsKeptAcrossRuns(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	s := open(t, path)
	const a, b = "/subscriptions/s1/resourcegroups/rg/providers/microsoft.batch/batchaccounts/a", "/subscriptions/s2/resourcegroups/rg/providers/microsoft.batch/batchaccounts/b"
	if _, err := s.Commit(ctx, Cycle{Regions: map[string]string{a: "southcentralus", b: "eastus"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit(ctx, Cycle{Regions: map[string]string{b: "westeurope"}}); err != nil {
		t.Fatal(err)
	}
	// A cycle whose commit fails (its context cancelled) leaves nothing.
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Commit(cancelled, Cycle{Regions: map[string]string{"/subscriptions/s3/x": "uksouth"}}); err == nil {
		t.Fatal("a commit with a cancelled context succeeded")
	}
	s.Close()
	s = open(t, path)
	got, err := s.Regions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{a: "southcentralus", b: "westeurope"}; !maps.Equal(got, want) {
		t.Errorf("Regions() = %v, want %v", got, want)
	}
}

// Service principals' names committed with a cycle are there for the next
// process; a later cycle's other name for an id replaces it, and a failed
// cycle's names are not kept.
func TestNamesKeptAcrossRuns(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	s := open(t, path)
	if _, err := s.Commit(ctx, Cycle{Names: map[string]string{"sp-1": "pipeline", "sp-2": "batch-runner"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Commit(ctx, Cycle{Names: map[string]string{"sp-2": "batch-runner-v2"}}); err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Commit(cancelled, Cycle{Names: map[string]string{"sp-3": "lost"}}); err == nil {
		t.Fatal("a commit with a cancelled context succeeded")
	}
	s.Close()
	s = open(t, path)
	got, err := s.PrincipalNames(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"sp-1": "pipeline", "sp-2": "batch-runner-v2"}; !maps.Equal(got, want) {
		t.Errorf("PrincipalNames() = %v, want %v", got, want)
	}
}
