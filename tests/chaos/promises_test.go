//go:build linux

package chaos_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"go.uber.org/goleak"

	"github.com/hitchrt/hitch/tests/internal/proccheck"
)

// teardownBound bounds the tree's teardown once the root's body returns.
const teardownBound = 30 * time.Second

// promise is one row of the final table.
type promise struct {
	name    string
	checked string
	broken  []string
	known   []string // broken, by a runtime bug already reported
	note    string
}

// knownBugs are runtime bugs this soak found that are reported and not
// yet fixed. A broken line of the promise that contains match is shown
// as KNOWN and fails the run only with -strict, so the soak stays a
// guard against new breakage meanwhile. Remove an entry with its fix.
var knownBugs = []struct {
	promise string
	match   []string // all of them
	bug     string
}{
	// None open. An entry is {promise, match, bug}: the promise's name, the
	// strings a broken line must all contain, and the bug as reported.
}

// sortKnown moves the broken lines a known bug explains to known.
func (p *promise) sortKnown() {
	var still []string
	for _, x := range p.broken {
		known := false
		for _, k := range knownBugs {
			if k.promise != p.name {
				continue
			}
			all := true
			for _, m := range k.match {
				all = all && strings.Contains(x, m)
			}
			known = known || all
		}
		if known {
			p.known = append(p.known, x)
		} else {
			still = append(still, x)
		}
	}
	p.broken = still
}

type results struct {
	rows []*promise
}

func (r *results) add(name, checked, note string, broken []string) *promise {
	p := &promise{name: name, checked: checked, broken: broken, note: note}
	if !*strictFlag {
		p.sortKnown()
	}
	r.rows = append(r.rows, p)
	return p
}

func (r *results) broken() bool {
	for _, p := range r.rows {
		if len(p.broken) > 0 {
			return true
		}
	}
	return false
}

// check checks every promise but the goroutine one, which is checked once
// the orphan reaper has stopped.
func (d *driver) check(book *exitBook, runErr error) *results {
	r := &results{}

	// No process outlives the tree; none is left a zombie.
	var left, zombies []string
	_ = waitGoneChildren(book, d.dir, 5*time.Second)
	for _, p := range proccheck.Children() {
		if p.State == 'Z' {
			zombies = append(zombies, fmt.Sprintf("pid %d (%s), born to %s", p.PID, p.Cmd, bornText(d.dir, p.PID)))
		} else {
			left = append(left, fmt.Sprintf("pid %d %c %s", p.PID, p.State, p.Cmd))
		}
	}
	births := birthPIDs(d.dir)
	for _, pid := range births {
		if proccheck.Alive(pid) && !slices.Contains(left, fmt.Sprint(pid)) {
			if p, ok := proccheck.Stat(pid); ok && p.PPID != os.Getpid() {
				left = append(left, fmt.Sprintf("pid %d %c %s (parent %d)", pid, p.State, p.Cmd, p.PPID))
			}
		}
	}
	if len(left) > 0 {
		killTree()
	}
	if runErr != nil {
		left = append(left, "the root's run failed: "+runErr.Error())
	}
	r.add("no process outlives the tree", fmt.Sprintf("%d processes", len(births)),
		"teardown "+d.teardown.Round(time.Millisecond).String(), left)
	r.add("no zombie", fmt.Sprintf("%d processes", len(births)), "", zombies)

	// An actor whose parent died exits by itself, through its own
	// teardown (its lifetime callbacks run): a clean exit, or status 3
	// when the teardown outlived its grace; never by a signal.
	var badOrphans []string
	book.mu.Lock()
	for pid, st := range book.orphans {
		switch st {
		case "exit status 0", "exit status 1", "exit status 3":
		default:
			line := fmt.Sprintf("pid %d ended by %q", pid, st)
			if born, ok := birthParent(d.dir, pid); ok {
				if _, orphan := book.orphans[born]; orphan {
					line += ", born to an orphan"
				}
			}
			if _, err := os.Stat(filepath.Join(d.dir, "armed", strconv.Itoa(pid))); err == nil {
				if _, err := os.Stat(filepath.Join(d.dir, "exit", strconv.Itoa(pid))); err != nil {
					line += ", its lifetime callbacks not run"
				}
			}
			badOrphans = append(badOrphans, line)
		}
	}
	nOrphans := len(book.orphans)
	book.mu.Unlock()
	sort.Strings(badOrphans)
	r.add("an orphaned actor ends through its own teardown", fmt.Sprintf("%d orphans", nOrphans), "reaped by the root, the subreaper", badOrphans)

	// Every lifetime callback of every actor that exited gracefully ran.
	armed, _ := os.ReadDir(filepath.Join(d.dir, "armed"))
	var missing []string
	graceful, unknown := 0, 0
	other := map[string]int{}
	for _, e := range armed {
		pid, _ := strconv.Atoi(e.Name())
		what, _ := os.ReadFile(filepath.Join(d.dir, "armed", e.Name()))
		st, ok := book.statusOf(pid)
		if !ok {
			unknown++
			continue
		}
		if st != "exit status 0" && st != "exit status 1" {
			other[st]++
			continue
		}
		graceful++
		if _, err := os.Stat(filepath.Join(d.dir, "exit", e.Name())); err != nil {
			line := fmt.Sprintf("pid %d (%s) exited with %q but its OnExit did not run", pid, what, st)
			book.mu.Lock()
			if _, orphan := book.orphans[pid]; orphan {
				line += " (orphaned)"
			}
			book.mu.Unlock()
			missing = append(missing, line)
		}
	}
	note := fmt.Sprintf("%d graceful", graceful)
	for _, st := range sortedKeys(other) {
		note += fmt.Sprintf(", %d %q", other[st], st)
	}
	if unknown > 0 {
		note += fmt.Sprintf(", %d status unseen (reaped by an orphan, whose log has no reader)", unknown)
	}
	r.add("lifetime callbacks ran on every graceful exit", fmt.Sprintf("%d actors", len(armed)), note, missing)

	// An actor that is not killed and keeps its parent ends gracefully:
	// a stop signal or a cancel request runs its teardown to the end.
	var rough []string
	stopped := 0
	book.mu.Lock()
	for _, e := range armed {
		pid, _ := strconv.Atoi(e.Name())
		st, seen := book.status[pid]
		_, orphan := book.orphans[pid]
		if !seen || orphan || (d.killed[pid] && st == "signal: killed") {
			continue
		}
		stopped++
		if st != "exit status 0" && st != "exit status 1" {
			what, _ := os.ReadFile(filepath.Join(d.dir, "armed", e.Name()))
			rough = append(rough, fmt.Sprintf("pid %d (%s) ended by %q", pid, what, st))
		}
	}
	book.mu.Unlock()
	sort.Strings(rough)
	r.add("an actor stopped by its parent or one signal ends gracefully", fmt.Sprintf("%d actors", stopped), "", rough)

	// Every fault surfaced in the right parent as the documented error in
	// time; every subtree that had to end did, in time.
	var late, slow []string
	var maxLat, maxGone time.Duration
	for _, f := range d.faults {
		maxLat = max(maxLat, f.latency)
		maxGone = max(maxGone, f.goneIn)
		switch {
		case !f.ok:
			late = append(late, fmt.Sprintf("%v: want %s; got %s", f, f.want, orNothing(f.got)))
		case f.latency > boundOf(f.kind):
			late = append(late, fmt.Sprintf("%v: %s surfaced after %v", f, f.got, f.latency.Round(time.Millisecond)))
		}
		for _, p := range f.problems {
			late = append(late, fmt.Sprintf("%v: %s", f, p))
		}
		if f.goneIn < 0 || f.goneIn > surfaceBound {
			slow = append(slow, fmt.Sprintf("%v: %d processes gone after %v", f, f.subtree, fmtDur(f.goneIn)))
		}
	}
	r.add("every fault surfaced in its parent as documented within 1s", fmt.Sprintf("%d faults", len(d.faults)),
		"slowest "+maxLat.Round(time.Millisecond).String(), late)
	r.add("the subtree of an ended actor is gone within 1s", fmt.Sprintf("%d faults", len(d.faults)),
		"slowest "+maxGone.Round(time.Millisecond).String(), slow)

	// No stream delivered an item twice or out of order.
	var seq []string
	for _, s := range d.seqErrs {
		seq = append(seq, fmt.Sprintf("%s's %s link with %s: %s", orRoot(s.From), s.Link, s.Slot, s.Detail))
	}
	if d.linksOpened["sibling"] == 0 {
		seq = append(seq, "no sibling ever found the other by name and opened its link")
	}
	r.add("no stream item delivered twice or out of order", fmt.Sprintf("%d items", d.items),
		fmt.Sprintf("%d parent links, %d sibling links opened", d.linksOpened["parent"], d.linksOpened["sibling"]), seq)

	// The registry holds exactly the live actors.
	r.add("the registry holds exactly the live actors", fmt.Sprintf("%d names", d.audited), "", d.registryBad)

	// No step hung.
	hung := slices.Clone(d.hung)
	if d.teardown < 0 || d.teardown > teardownBound {
		hung = append(hung, fmt.Sprintf("teardown took %v", fmtDur(d.teardown)))
	}
	r.add("no step hung", fmt.Sprintf("%d steps", d.steps+1),
		fmt.Sprintf("slowest settle %v (%s)", d.slowest.Round(time.Millisecond), d.slowestAt), hung)
	if len(book.hardKills) > 0 {
		r.rows[len(r.rows)-1].note += fmt.Sprintf("; %d hard kills by the ladder", len(book.hardKills))
	}
	return r
}

// goleak checks the root's goroutines.
func (r *results) goleak() {
	var broken []string
	if err := goleak.Find(); err != nil {
		broken = []string{err.Error()}
	}
	r.add("no goroutine leak in the root", "1 process", "", broken)
}

// table renders the results and the faults by kind.
func (r *results) table(d *driver, elapsed time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "chaos soak: seed %d, %d faults in %v, tree %v (infected: %s), %d respawns of %d granted\n",
		d.cfg.seed, len(d.faults), elapsed.Round(time.Second), d.sh, d.cfg.infected, d.respawns, d.cfg.budget)
	tw := tabwriter.NewWriter(&b, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "promise\tchecked\tbroken\tnote")
	for _, p := range r.rows {
		broken := strconv.Itoa(len(p.broken))
		if len(p.known) > 0 {
			broken += fmt.Sprintf(" (+%d known)", len(p.known))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.name, p.checked, broken, p.note)
	}
	tw.Flush()
	b.WriteString("\n")
	tw = tabwriter.NewWriter(&b, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "fault\tapplied\tas documented\tslowest\tsubtree gone, slowest")
	for _, fk := range faultKinds {
		n, ok := 0, 0
		var lat, gone time.Duration
		for _, f := range d.faults {
			if f.kind != fk.k {
				continue
			}
			n++
			if f.ok && len(f.problems) == 0 && f.latency <= boundOf(f.kind) {
				ok++
			}
			lat, gone = max(lat, f.latency), max(gone, f.goneIn)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%v\t%v\n", fk.k, n, ok, lat.Round(time.Millisecond), gone.Round(time.Millisecond))
	}
	tw.Flush()
	printed := map[string]bool{}
	for _, p := range r.rows {
		for _, k := range knownBugs {
			if k.promise == p.name && len(p.known) > 0 && !printed[k.bug] {
				printed[k.bug] = true
				fmt.Fprintf(&b, "KNOWN BUG (reported): %s\n", k.bug)
			}
		}
		if len(p.known) > 0 {
			fmt.Fprintf(&b, "KNOWN %s: %d times, e.g. %s\n", p.name, len(p.known), p.known[0])
		}
		for i, x := range p.broken {
			if i == 10 {
				fmt.Fprintf(&b, "BROKEN %s: ... and %d more\n", p.name, len(p.broken)-10)
				break
			}
			fmt.Fprintf(&b, "BROKEN %s: %s\n", p.name, x)
		}
	}
	return b.String()
}

// waitGoneChildren reaps orphans and waits, bounded, for every child of
// this process to be gone or a zombie.
func waitGoneChildren(book *exitBook, dir string, bound time.Duration) bool {
	deadline := time.Now().Add(bound)
	for {
		book.reapOrphans(dir)
		alive := 0
		for _, p := range proccheck.Children() {
			if p.State != 'Z' {
				alive++
			}
		}
		if alive == 0 {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func birthPIDs(dir string) []int {
	ents, _ := os.ReadDir(filepath.Join(dir, "birth"))
	out := make([]int, 0, len(ents))
	for _, e := range ents {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			out = append(out, pid)
		}
	}
	return out
}

func bornText(dir string, pid int) string {
	if ppid, ok := birthParent(dir, pid); ok {
		if ppid == os.Getpid() {
			return "the root"
		}
		return "pid " + strconv.Itoa(ppid)
	}
	return "unknown"
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func orNothing(s string) string {
	if s == "" {
		return "nothing"
	}
	return s
}

func orRoot(s string) string {
	if s == "" {
		return "root"
	}
	return s
}

func fmtDur(d time.Duration) string {
	if d < 0 {
		return "never (within the bound)"
	}
	return d.Round(time.Millisecond).String()
}
