package dynamotest

import (
	"strings"
	"testing"
)

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
