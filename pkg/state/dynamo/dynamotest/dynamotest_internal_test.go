package dynamotest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFindDynalite(t *testing.T) {
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

	if _, err := findDynalite(pkgDir); err == nil || !strings.Contains(err.Error(), "no go.mod") {
		t.Errorf("without go.mod: err = %v, want one saying there is no go.mod", err)
	}

	write(filepath.Join(root, "go.mod"))
	_, err := findDynalite(pkgDir)
	if err == nil || !strings.Contains(err.Error(), SetupCommand) {
		t.Errorf("without npm install: err = %v, want one naming %q", err, SetupCommand)
	}

	write(filepath.Join(root, dynaliteDir, "node_modules", "dynalite", "package.json"))
	got, err := findDynalite(pkgDir)
	if want := filepath.Join(root, dynaliteDir); err != nil || got != want {
		t.Errorf("findDynalite = %q, %v; want %q", got, err, want)
	}
}

func TestTableName(t *testing.T) {
	long := strings.Repeat("x", 300)
	for _, test := range []string{"TestA/sub test: with ünïcode", long} {
		name := tableName(test)
		if len(name) < 3 || len(name) > 255 || unsafeChars.MatchString(name) {
			t.Errorf("tableName(%q) = %q, not a valid DynamoDB table name", test, name)
		}
	}
	if a, b := tableName("T"), tableName("T"); a == b {
		t.Errorf("tableName gave %q twice", a)
	}
}
