package msg_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGeneratedFieldsUpToDate: zz_fields.go is what fieldgen writes from
// today's types.go and kind.go (run `go generate ./actor/msg/` after
// changing a message type).
func TestGeneratedFieldsUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the generator")
	}
	out := filepath.Join(t.TempDir(), "fields.go")
	cmd := exec.Command("go", "run", "./internal/fieldgen", "-o", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("fieldgen: %v\n%s", err, b)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("zz_fields.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("zz_fields.go is stale: run go generate ./actor/msg/")
	}
}
