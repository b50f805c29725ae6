package infected_test

import (
	"testing"

	"go.uber.org/goleak"

	"github.com/hitchrt/hitch/actor"
)

func TestMain(m *testing.M) {
	actor.ChildMain()
	goleak.VerifyTestMain(m)
}
