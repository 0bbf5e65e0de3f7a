// Package functions_test checks template.yaml against the code: every function's build target exists
// and builds, every environment variable a function reads is declared, and every name a template
// expression refers to exists.
package functions_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/bsswatch/bsswatch/pkg/check"
	"github.com/bsswatch/bsswatch/pkg/renewal"
	"github.com/bsswatch/bsswatch/pkg/runnow"
	"github.com/google/go-cmp/cmp"
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
			// Its own code, and boot's, which every function starts through.
			files, _ := filepath.Glob(filepath.Join(fn.dir, "*.go"))
			shared, _ := filepath.Glob(filepath.Join("internal", "boot", "*.go"))
			files = append(files, shared...)
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

// resources returns the template's resources of the given type, by logical id.
func resources(root *yaml.Node, typ string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	res := get(root, "Resources")
	for _, id := range keys(res) {
		if r := get(res, id); get(r, "Type") != nil && get(r, "Type").Value == typ {
			out[id] = r
		}
	}
	return out
}

// TestTemplateDeploysTwiceAndDeletesSafely: a second stack in the same account and region must not
// collide with the first, and deleting or replacing a stack must keep the state.
func TestTemplateDeploysTwiceAndDeletesSafely(t *testing.T) {
	root := loadTemplate(t)
	for _, fn := range functions(t, root) {
		events := get(fn.node, "Properties", "Events")
		for _, ev := range keys(events) {
			e := get(events, ev)
			if get(e, "Type").Value != "ScheduleV2" {
				continue
			}
			t.Run(fn.id+"/"+ev, func(t *testing.T) {
				// SAM names a schedule after its logical ids unless told otherwise: the same in every stack.
				name := get(e, "Properties", "Name")
				if name == nil || name.Tag != "!Sub" || !strings.Contains(name.Value, "${AWS::StackName}") {
					t.Errorf("schedule Name = %v, want a !Sub with ${AWS::StackName}", name)
				}
			})
		}
	}
	tables := resources(root, "AWS::DynamoDB::Table")
	if len(tables) == 0 {
		t.Fatal("no DynamoDB table")
	}
	for id, tbl := range tables {
		for _, policy := range []string{"DeletionPolicy", "UpdateReplacePolicy"} {
			if got := get(tbl, policy); got == nil || got.Value != "Retain" {
				t.Errorf("%s.%s = %v, want Retain", id, policy, got)
			}
		}
	}
}

// TestARNsFollowTheStack: no ARN hard-codes the aws partition or leaves region or account open; they
// come from the stack's pseudo parameters (or from a parameter the deployer sets).
func TestARNsFollowTheStack(t *testing.T) {
	root := loadTemplate(t)
	var bad []string
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.ScalarNode && strings.HasPrefix(n.Value, "arn:") {
			if strings.HasPrefix(n.Value, "arn:aws:") || strings.Contains(n.Value, ":*:") {
				bad = append(bad, fmt.Sprintf("line %d: %s", n.Line, n.Value))
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(get(root, "Resources"))
	for _, p := range keys(get(root, "Parameters")) {
		if d := get(root, "Parameters", p, "Default"); d != nil {
			walk(d)
		}
	}
	if len(bad) > 0 {
		t.Errorf("ARNs that do not follow the stack's partition, region and account:\n%s", strings.Join(bad, "\n"))
	}
}

// TestLogRetentionIsOneCloudWatchAccepts: CloudWatch Logs refuses any other number of days, and
// only at deploy time.
func TestLogRetentionIsOneCloudWatchAccepts(t *testing.T) {
	root := loadTemplate(t)
	want := []string{"1", "3", "5", "7", "14", "30", "60", "90", "120", "150", "180", "365", "400", "545",
		"731", "1096", "1827", "2192", "2557", "2922", "3288", "3653"}
	var got []string
	for _, v := range get(root, "Parameters", "LogRetentionDays", "AllowedValues").Content {
		got = append(got, v.Value)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("LogRetentionDays AllowedValues (-want +got):\n%s", diff)
	}
	for id, lg := range resources(root, "AWS::Logs::LogGroup") {
		if r := get(lg, "Properties", "RetentionInDays"); r == nil || r.Tag != "!Ref" || r.Value != "LogRetentionDays" {
			t.Errorf("%s.RetentionInDays = %v, want !Ref LogRetentionDays", id, r)
		}
	}
}

// TestPublicURLsHaveReservedConcurrency: a function behind an unauthenticated Function URL gets a
// concurrency cap, so a flood of requests cannot take the account's whole concurrency.
func TestPublicURLsHaveReservedConcurrency(t *testing.T) {
	root := loadTemplate(t)
	urls := resources(root, "AWS::Lambda::Url")
	if len(urls) == 0 {
		t.Fatal("no Function URL: this test would check nothing")
	}
	for id, u := range urls {
		target := get(u, "Properties", "TargetFunctionArn")
		fn := strings.TrimSuffix(target.Value, ".Arn")
		param := strings.TrimSuffix(fn, "Function") + "ReservedConcurrency"
		rc := get(root, "Resources", fn, "Properties", "ReservedConcurrentExecutions")
		if rc == nil || !slices.Contains(nodeValues(rc), param) {
			t.Errorf("%s targets %s, which has no ReservedConcurrentExecutions from the parameter %s", id, fn, param)
		}
		if get(root, "Parameters", param) == nil {
			t.Errorf("no parameter %s", param)
		}
	}
}

func nodeValues(n *yaml.Node) []string {
	out := []string{n.Value}
	for _, c := range n.Content {
		out = append(out, nodeValues(c)...)
	}
	return out
}

// TestEveryFunctionAlarms: each function has an alarm on its errors, and on the CheckFailures and
// DeliveryFailures metrics its runs write (a run that could not check everything, or could not
// deliver, still returns success).
func TestEveryFunctionAlarms(t *testing.T) {
	root := loadTemplate(t)
	alarms := resources(root, "AWS::CloudWatch::Alarm")
	for _, fn := range functions(t, root) {
		prefix := strings.TrimSuffix(fn.id, "Function")
		t.Run(fn.id, func(t *testing.T) {
			if a := alarms[prefix+"ErrorAlarm"]; a == nil || get(a, "Properties", "MetricName").Value != "Errors" {
				t.Errorf("no %sErrorAlarm on the function's Errors", prefix)
			}
			for _, metric := range []string{"CheckFailures", "DeliveryFailures"} {
				a := alarms[prefix+strings.TrimSuffix(metric, "s")+"Alarm"]
				if a == nil {
					t.Errorf("no %s%sAlarm", prefix, strings.TrimSuffix(metric, "s"))
					continue
				}
				p := get(a, "Properties")
				dims := get(p, "Dimensions")
				if get(p, "Namespace").Value != "bsswatch" || get(p, "MetricName").Value != metric ||
					dims == nil || len(dims.Content) != 1 || get(dims.Content[0], "Name").Value != "Check" {
					t.Errorf("%s%sAlarm does not watch bsswatch/%s by Check", prefix, metric, metric)
				}
				if get(p, "AlarmActions") == nil {
					t.Errorf("%s%sAlarm has no AlarmActions", prefix, metric)
				}
			}
		})
	}
}

// TestRunNowReachesEveryCheck checks that the function behind the URL is told the name of every other
// check's function and may invoke it, so a run-now request for any check can start it.
func TestRunNowReachesEveryCheck(t *testing.T) {
	root := loadTemplate(t)
	res := get(root, "Resources")
	byDir := map[string]string{}
	for _, fn := range functions(t, root) {
		byDir[fn.dir] = fn.id
	}
	url := byDir[check.FunctionOf(check.Renewal)]
	vars := get(res, url, "Properties", "Environment", "Variables")
	var policy bytes.Buffer
	if err := yaml.NewEncoder(&policy).Encode(get(res, url, "Properties", "Policies")); err != nil {
		t.Fatal(err)
	}
	for _, s := range check.Specs {
		if s.Name == check.Renewal {
			continue
		}
		id, ok := byDir[s.Function]
		if !ok {
			t.Errorf("no function %s in template.yaml", s.Function)
			continue
		}
		if v := get(vars, runnow.FunctionEnv(s.Name)); v == nil || v.Tag != "!Ref" || v.Value != id {
			t.Errorf("%s lacks %s: !Ref %s", url, runnow.FunctionEnv(s.Name), id)
		}
		if !strings.Contains(policy.String(), id+".Arn") {
			t.Errorf("%s may not invoke %s (no !GetAtt %s.Arn in its policies)", url, id, id)
		}
	}
}

// TestScanQueueFitsTheWorkItems checks the scan queue against what the code assumes: SQS delivers an
// item renewal.ItemAttempts times before the dead-letter queue (the last attempt is told it is the
// last), the visibility timeout is at least six function timeouts (Lambda's advice for an SQS event
// source), failed items come back alone, and the dead-letter queue has an alarm.
func TestScanQueueFitsTheWorkItems(t *testing.T) {
	root := loadTemplate(t)
	q := get(root, "Resources", "RenewalScanQueue", "Properties")
	if q == nil {
		t.Fatal("no RenewalScanQueue")
	}
	if got := get(q, "RedrivePolicy", "maxReceiveCount"); got == nil || got.Value != strconv.Itoa(renewal.ItemAttempts) {
		t.Errorf("maxReceiveCount %v, want renewal.ItemAttempts (%d)", got, renewal.ItemAttempts)
	}
	timeout, _ := strconv.Atoi(get(root, "Globals", "Function", "Timeout").Value)
	if vt, _ := strconv.Atoi(get(q, "VisibilityTimeout").Value); timeout == 0 || vt < 6*timeout {
		t.Errorf("VisibilityTimeout %d, want at least six times the function timeout %d", vt, timeout)
	}
	ev := get(root, "Resources", "RenewalQuoteFunction", "Properties", "Events", "ScanItems", "Properties")
	if ev == nil || !slices.Contains(nodeValues(get(ev, "FunctionResponseTypes")), "ReportBatchItemFailures") ||
		get(ev, "ScalingConfig", "MaximumConcurrency") == nil {
		t.Error("the ScanItems event needs ReportBatchItemFailures and a MaximumConcurrency")
	}
	dlq := false
	for _, a := range resources(root, "AWS::CloudWatch::Alarm") {
		dlq = dlq || slices.Contains(nodeValues(get(a, "Properties", "Dimensions")), "RenewalScanDeadLetterQueue.QueueName")
	}
	if !dlq {
		t.Error("no alarm on the scan dead-letter queue")
	}
}
