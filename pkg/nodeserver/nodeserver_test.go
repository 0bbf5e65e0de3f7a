package nodeserver

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	rel   = "pkg/state/dynamo/testdata/dynalite"
	setup = "make setup"
)

func TestFind(t *testing.T) {
	root := t.TempDir()
	write := func(path string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("{}"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pkgDir := filepath.Join(root, "functions", "renewal")
	if err := os.MkdirAll(pkgDir, 0o755); err != nil {
		t.Fatal(err)
	}

	if _, err := Find(pkgDir, rel, "dynalite", setup); err == nil || !strings.Contains(err.Error(), "no go.mod") {
		t.Errorf("without go.mod: err = %v, want one saying there is no go.mod", err)
	}

	write(filepath.Join(root, "go.mod"))
	_, err := Find(pkgDir, rel, "dynalite", setup)
	if err == nil || !strings.Contains(err.Error(), setup) {
		t.Errorf("without npm install: err = %v, want one naming %q", err, setup)
	}

	write(filepath.Join(root, rel, "node_modules", "dynalite", "package.json"))
	got, err := Find(pkgDir, rel, "dynalite", setup)
	if want := filepath.Join(root, rel); err != nil || got != want {
		t.Errorf("Find = %q, %v; want %q", got, err, want)
	}
}
