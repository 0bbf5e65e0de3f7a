// Package functions_test checks template.yaml against the code: every function's build target exists
// and builds, every environment variable a function reads is declared, and every name a template
// expression refers to exists.
package functions_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

type function struct {
	id, dir string
	node    *yaml.Node
}

func loadTemplate(t *testing.T) *yaml.Node {
	t.Helper()
	b, err := os.ReadFile("../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("template.yaml: %v", err)
	}
	return doc.Content[0]
}

// get walks mapping keys; it returns nil when a key is missing.
func get(n *yaml.Node, path ...string) *yaml.Node {
	for _, k := range path {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = n.Content[i+1]
			}
		}
		n = next
	}
	return n
}

func keys(n *yaml.Node) []string {
	var out []string
	if n == nil {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, n.Content[i].Value)
	}
	return out
}

// kebab turns BalanceAlertFunction into balance-alert, the folder under functions/.
func kebab(id string) string {
	id = strings.TrimSuffix(id, "Function")
	var b strings.Builder
	for i, r := range id {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('-')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func functions(t *testing.T, root *yaml.Node) []function {
	t.Helper()
	var fns []function
	res := get(root, "Resources")
	for _, id := range keys(res) {
		r := get(res, id)
		if get(r, "Type").Value != "AWS::Serverless::Function" {
			continue
		}
		fns = append(fns, function{id: id, dir: kebab(id), node: r})
	}
	if len(fns) == 0 {
		t.Fatal("template.yaml declares no function")
	}
	return fns
}

func TestFunctionsBuildWithMakefile(t *testing.T) {
	root := loadTemplate(t)
	makefile, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	for _, fn := range functions(t, root) {
		t.Run(fn.id, func(t *testing.T) {
			if m := get(fn.node, "Metadata", "BuildMethod"); m == nil || m.Value != "makefile" {
				t.Errorf("Metadata.BuildMethod is not makefile")
			}
			if c := get(fn.node, "Properties", "CodeUri"); c == nil || c.Value != "." {
				t.Errorf("CodeUri must be . so that builds see pkg/")
			}
			if !regexp.MustCompile(`(?m)^build-` + fn.id + `:`).Match(makefile) {
				t.Fatalf("Makefile has no build-%s target", fn.id)
			}
			if _, err := os.Stat(filepath.Join(fn.dir, "main.go")); err != nil {
				t.Fatalf("no functions/%s/main.go for %s", fn.dir, fn.id)
			}
			out := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, "make", "-s", "-C", "..", "build-"+fn.id, "ARTIFACTS_DIR="+out)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("make build-%s: %v\n%s", fn.id, err, b)
			}
			if fi, err := os.Stat(filepath.Join(out, "bootstrap")); err != nil || fi.Mode()&0o111 == 0 {
				t.Fatalf("build-%s wrote no executable bootstrap: %v", fn.id, err)
			}
		})
	}
}

var envRead = regexp.MustCompile(`os\.(?:Getenv|LookupEnv)\("([A-Z0-9_]+)"\)`)

func TestEnvironmentDeclared(t *testing.T) {
	root := loadTemplate(t)
	global := keys(get(root, "Globals", "Function", "Environment", "Variables"))
	for _, fn := range functions(t, root) {
		t.Run(fn.id, func(t *testing.T) {
			declared := map[string]bool{}
			for _, k := range append(global, keys(get(fn.node, "Properties", "Environment", "Variables"))...) {
				declared[k] = true
			}
			files, _ := filepath.Glob(filepath.Join(fn.dir, "*.go"))
			var read []string
			for _, f := range files {
				if strings.HasSuffix(f, "_test.go") {
					continue
				}
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range envRead.FindAllSubmatch(b, -1) {
					read = append(read, string(m[1]))
				}
			}
			if len(read) == 0 {
				t.Fatalf("functions/%s reads no environment variable; the check would be empty", fn.dir)
			}
			for _, name := range read {
				if strings.HasPrefix(name, "AWS_") {
					continue // set by the Lambda runtime
				}
				if !declared[name] {
					t.Errorf("functions/%s reads %s, which template.yaml does not declare", fn.dir, name)
				}
			}
		})
	}
}

var subRef = regexp.MustCompile(`\$\{([A-Za-z0-9:]+)(?:\.[A-Za-z]+)?\}`)

// TestReferencesExist checks every !Ref, !GetAtt and ${Name} in !Sub against the template's
// parameters, resources and the pseudo parameters, so a policy never names a resource that is not there.
func TestReferencesExist(t *testing.T) {
	root := loadTemplate(t)
	known := map[string]bool{}
	for _, k := range append(keys(get(root, "Parameters")), keys(get(root, "Resources"))...) {
		known[k] = true
	}
	var missing []string
	var walk func(n *yaml.Node)
	check := func(name string) {
		if strings.HasPrefix(name, "AWS::") {
			return
		}
		if !known[name] {
			missing = append(missing, name)
		}
	}
	walk = func(n *yaml.Node) {
		switch n.Tag {
		case "!Ref":
			check(n.Value)
		case "!GetAtt":
			check(strings.SplitN(n.Value, ".", 2)[0])
		case "!Sub":
			s := n.Value
			local := map[string]bool{}
			if n.Kind == yaml.SequenceNode && len(n.Content) > 0 {
				s = n.Content[0].Value
				if len(n.Content) > 1 {
					for _, k := range keys(n.Content[1]) {
						local[k] = true // the !Sub's own variables
					}
				}
			}
			for _, m := range subRef.FindAllStringSubmatch(s, -1) {
				if !local[m[1]] {
					check(m[1])
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(root)
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("template.yaml refers to undeclared names: %v", missing)
	}
	// Every policy must name at least one resource: a policy without resources is a broken statement.
	for _, fn := range functions(t, root) {
		var buf bytes.Buffer
		for _, p := range get(fn.node, "Properties", "Policies").Content {
			if p.Kind != yaml.MappingNode {
				continue // a managed policy, checked by TestEveryFunctionHasTheSharedPolicy
			}
			for _, st := range get(p, "Statement").Content {
				if get(st, "Resource") == nil {
					buf.WriteString(fn.id + " has a statement without Resource\n")
				}
			}
		}
		if buf.Len() > 0 {
			t.Error(buf.String())
		}
	}
}

// TestEveryFunctionHasTheSharedPolicy: the configuration, secrets and state are granted once, in
// FunctionPolicy, and every function carries it.
func TestEveryFunctionHasTheSharedPolicy(t *testing.T) {
	root := loadTemplate(t)
	for _, fn := range functions(t, root) {
		t.Run(fn.id, func(t *testing.T) {
			for _, p := range get(fn.node, "Properties", "Policies").Content {
				if p.Tag == "!Ref" && p.Value == "FunctionPolicy" {
					return
				}
			}
			t.Errorf("%s's Policies lack !Ref FunctionPolicy", fn.id)
		})
	}
}

// TestConfigSourcePattern: the template accepts exactly the sources the functions can read and
// grant a read for (config.Load reads files too, but a Lambda function has none to read).
func TestConfigSourcePattern(t *testing.T) {
	root := loadTemplate(t)
	p := get(root, "Parameters", "ConfigSource", "AllowedPattern")
	if p == nil {
		t.Fatal("Parameters.ConfigSource has no AllowedPattern")
	}
	re, err := regexp.Compile(p.Value)
	if err != nil {
		t.Fatalf("ConfigSource AllowedPattern: %v", err)
	}
	if def := get(root, "Parameters", "ConfigSource", "Default"); def == nil || !re.MatchString(def.Value) {
		t.Errorf("ConfigSource's default does not match its own pattern")
	}
	tests := []struct {
		source string
		want   bool
	}{
		{"ssm:/bsswatch/config", true},
		{"arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:bsswatch/config-AbCdEf", true},
		{"arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:bsswatch/config-AbCdEf", true},
		{"s3://my-bucket/bsswatch/config.yaml", true},
		{"/etc/bsswatch.yaml", false},
		{"s3://my-bucket", false},
		{"s3://My_Bucket/config.yaml", false},
		{"ssm:bsswatch/config", false},
		{"arn:aws:ssm:ap-southeast-1:123456789012:parameter/bsswatch/config", false},
		{"env:BSSWATCH_DOC", false},
	}
	for _, tt := range tests {
		t.Run(tt.source, func(t *testing.T) {
			if got := re.MatchString(tt.source); got != tt.want {
				t.Errorf("AllowedPattern matches %q = %v, want %v", tt.source, got, tt.want)
			}
		})
	}
}
