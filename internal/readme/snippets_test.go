package readme_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/hitchrt/hitch/actor"
)

func TestMain(m *testing.M) {
	actor.ChildMain() // Example_actor's sub-actor is this binary
	goleak.VerifyTestMain(m)
}

// goBlocks are the README's Go code blocks.
var goBlocks = regexp.MustCompile("(?s)```go\n(.*?)```")

// Every Go snippet of the README is, to the letter, the body of an
// example here (less its Output comment), in the same order: so every
// snippet compiles as shown, and runs with the output the examples check.
func TestSnippetsAreExamples(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var snippets []string
	for _, m := range goBlocks.FindAllStringSubmatch(string(readme), -1) {
		snippets = append(snippets, strings.TrimSpace(m[1]))
	}
	src, err := os.ReadFile("readme_test.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "readme_test.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || !strings.HasPrefix(fn.Name.Name, "Example") {
			continue
		}
		body := string(src[fset.Position(fn.Body.Lbrace).Offset+1 : fset.Position(fn.Body.Rbrace).Offset])
		if i := strings.Index(body, "\t// Output:"); i >= 0 {
			body = body[:i]
		}
		var lines []string
		for _, l := range strings.Split(strings.TrimSpace(body), "\n") {
			lines = append(lines, strings.TrimPrefix(l, "\t"))
		}
		bodies = append(bodies, strings.Join(lines, "\n"))
	}
	if len(snippets) != len(bodies) {
		t.Fatalf("README has %d Go snippets, readme_test.go %d examples", len(snippets), len(bodies))
	}
	for i := range snippets {
		if snippets[i] != bodies[i] {
			t.Errorf("README snippet %d differs from example %d:\nREADME:\n%s\n\nexample:\n%s", i+1, i+1, snippets[i], bodies[i])
		}
	}
}
