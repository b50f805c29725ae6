package bridge_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hitchrt/hitch/actor/sc"
	"github.com/hitchrt/hitch/bridge"
	"github.com/hitchrt/hitch/loop"
)

type (
	hostEnd  = bridge.HostEnd[int, int]
	guestEnd = bridge.GuestEnd[int, int]
)

// sendRange is a host side that sends started, then 0..n-1, yielding now
// and then so the guest keeps up, then returns nil.
func sendRange(started, n int) func(ctx context.Context, ch *hostEnd) error {
	return func(ctx context.Context, ch *hostEnd) error {
		if err := ch.Started(started); err != nil {
			return err
		}
		for i := range n {
			if err := ch.Send(i); err != nil {
				return err
			}
			if i%16 == 15 {
				if err := loop.Yield(ctx); err != nil {
					return err
				}
			}
		}
		return nil
	}
}

// TestB3StartedThenValuesInOrder: the guest sees the started value, then
// 0..99 in order, then a graceful end.
func TestB3StartedThenValuesInOrder(t *testing.T) {
	inGuest(t, func(ctx context.Context) error {
		var got []int
		var first int
		err := bridge.OpenChannelFrom(ctx, sendRange(-1, 100), func(ctx context.Context, ch *guestEnd, started int) error {
			first = started
			for {
				v, err := ch.Receive(ctx)
				if err != nil {
					if !errors.Is(err, sc.ErrEndOfChannel) {
						t.Errorf("end: %v; want sc.ErrEndOfChannel", err)
					}
					return err
				}
				got = append(got, v)
			}
		})
		if err != nil {
			t.Errorf("OpenChannelFrom = %v; want nil (graceful end)", err)
		}
		if first != -1 {
			t.Errorf("started = %d; want -1", first)
		}
		checkRange(t, "receive", got, 100)
		return nil
	})
}

func checkRange(t *testing.T, who string, got []int, n int) {
	t.Helper()
	if len(got) != n {
		t.Errorf("%s: got %d values; want %d", who, len(got), n)
		return
	}
	for i, v := range got {
		if v != i {
			t.Errorf("%s: value %d = %d; want in order", who, i, v)
			return
		}
	}
}

// TestB3FanOutSubscriptions: two guest consumers, each through its own
// subscription, see every value.
func TestB3FanOutSubscriptions(t *testing.T) {
	inGuest(t, func(ctx context.Context) error {
		var gotA, gotB []int
		err := bridge.OpenChannelFrom(ctx, func(ctx context.Context, ch *hostEnd) error {
			if err := ch.Started(0); err != nil {
				return err
			}
			for range 2 {
				if _, err := ch.Receive(ctx); err != nil {
					return err
				}
			}
			for i := range 100 {
				if err := ch.Send(i); err != nil {
					return err
				}
				if i%16 == 15 {
					if err := loop.Yield(ctx); err != nil {
						return err
					}
				}
			}
			return nil
		}, func(ctx context.Context, ch *guestEnd, _ int) error {
			return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				consume := func(dst *[]int) func(ctx context.Context) error {
					return func(ctx context.Context) error {
						sub, err := ch.Subscribe()
						if err != nil {
							return err
						}
						defer sub.Close()
						if err := ch.Send(ctx, 0); err != nil {
							return err
						}
						for {
							v, err := sub.Receive(ctx)
							if errors.Is(err, sc.ErrEndOfChannel) {
								return nil
							}
							if err != nil {
								return err
							}
							*dst = append(*dst, v)
						}
					}
				}
				n.StartSoon("a", consume(&gotA))
				n.StartSoon("b", consume(&gotB))
				return nil
			})
		})
		if err != nil {
			t.Errorf("OpenChannelFrom = %v", err)
		}
		checkRange(t, "subscriber a", gotA, 100)
		checkRange(t, "subscriber b", gotB, 100)
		return nil
	})
}

// TestB4GuestCrashes: the body fails after 50 values; the host task's next
// await (HostEnd.Receive) gets ErrGuestCrashed carrying the cause; the
// guest caller gets its own error.
func TestB4GuestCrashes(t *testing.T) {
	for _, parked := range []string{"receive", "sleep"} {
		t.Run(parked, func(t *testing.T) {
			inGuest(t, func(ctx context.Context) error {
				var hostErr, hostChErr error
				err := bridge.OpenChannelFrom(ctx, func(ctx context.Context, ch *hostEnd) error {
					if err := ch.Started(0); err != nil {
						return err
					}
					for i := 0; ; i++ {
						if err := ch.Send(i); err != nil {
							hostErr = err
							return err
						}
						switch parked {
						case "receive":
							_, hostErr = ch.Receive(ctx) // acks
						case "sleep":
							hostErr = loop.Sleep(ctx, time.Millisecond)
						}
						if hostErr != nil {
							hostChErr = ch.Err()
							return hostErr
						}
					}
				}, func(ctx context.Context, ch *guestEnd, _ int) error {
					for i := 0; ; i++ {
						if _, err := ch.Receive(ctx); err != nil {
							return err
						}
						if i == 49 {
							return errBoom
						}
						if parked == "receive" {
							if err := ch.Send(ctx, i); err != nil {
								return err
							}
						}
					}
				})
				if err != errBoom {
					t.Errorf("OpenChannelFrom = %v; want the body's own error", err)
				}
				switch parked {
				case "receive":
					if !errors.Is(hostErr, bridge.ErrGuestCrashed) || !errors.Is(hostErr, errBoom) {
						t.Errorf("host saw %v; want ErrGuestCrashed carrying %v", hostErr, errBoom)
					}
				case "sleep":
					if !errors.Is(hostErr, loop.ErrCancelled) {
						t.Errorf("host sleep: %v; want loop.ErrCancelled", hostErr)
					}
					if !errors.Is(hostChErr, bridge.ErrGuestCrashed) || !errors.Is(hostChErr, errBoom) {
						t.Errorf("HostEnd.Err = %v; want ErrGuestCrashed carrying %v", hostChErr, errBoom)
					}
				}
				return nil
			})
		})
	}
}

// TestB5GuestExitsEarly: the body returns nil while the host still runs;
// the host's next await gets ErrGuestExited.
func TestB5GuestExitsEarly(t *testing.T) {
	inGuest(t, func(ctx context.Context) error {
		var hostErr error
		hostEnded := false
		err := bridge.OpenChannelFrom(ctx, func(ctx context.Context, ch *hostEnd) error {
			defer func() { hostEnded = true }()
			if err := ch.Started(7); err != nil {
				return err
			}
			_, hostErr = ch.Receive(ctx)
			return hostErr
		}, func(ctx context.Context, ch *guestEnd, started int) error {
			return nil
		})
		if err != nil {
			t.Errorf("OpenChannelFrom = %v; want nil", err)
		}
		if !hostEnded {
			t.Error("OpenChannelFrom returned before the host task ended")
		}
		if !errors.Is(hostErr, bridge.ErrGuestExited) {
			t.Errorf("host saw %v; want ErrGuestExited", hostErr)
		}
		return nil
	})
}

// TestB6HostExitsEarly: the host returns while the guest waits to receive.
func TestB6HostExitsEarly(t *testing.T) {
	for _, suppress := range []bool{true, false} {
		t.Run(fmt.Sprintf("suppress=%v", suppress), func(t *testing.T) {
			inGuest(t, func(ctx context.Context) error {
				var recvErr error
				n := 0
				err := bridge.OpenChannelFrom(ctx, sendRange(0, 3), func(ctx context.Context, ch *guestEnd, _ int) error {
					for {
						_, err := ch.Receive(ctx)
						if err != nil {
							recvErr = err
							return err
						}
						n++
					}
				}, bridge.SuppressGracefulExits(suppress))
				if n != 3 {
					t.Errorf("received %d values; want 3", n)
				}
				if suppress {
					if !errors.Is(recvErr, sc.ErrEndOfChannel) || err != nil {
						t.Errorf("receive = %v, OpenChannelFrom = %v; want sc.ErrEndOfChannel, nil", recvErr, err)
					}
				} else {
					if !errors.Is(recvErr, bridge.ErrHostExited) || !errors.Is(err, bridge.ErrHostExited) {
						t.Errorf("receive = %v, OpenChannelFrom = %v; want ErrHostExited for both", recvErr, err)
					}
					if errors.Is(recvErr, sc.ErrEndOfChannel) {
						t.Errorf("receive = %v must not end iteration quietly", recvErr)
					}
				}
				return nil
			})
		})
	}
}

// TestB7HostErrorsBeforeStarted: the guest's wait for the started value is
// unblocked with the host's error; the body never runs.
func TestB7HostErrorsBeforeStarted(t *testing.T) {
	inGuest(t, func(ctx context.Context) error {
		ran := false
		err := bridge.OpenChannelFrom(ctx, func(ctx context.Context, ch *hostEnd) error {
			if err := loop.Sleep(ctx, time.Millisecond); err != nil {
				return err
			}
			return errBoom
		}, func(ctx context.Context, ch *guestEnd, _ int) error {
			ran = true
			return nil
		})
		if !errors.Is(err, errBoom) {
			t.Errorf("OpenChannelFrom = %v; want %v", err, errBoom)
		}
		if ran {
			t.Error("the body ran without a started value")
		}
		return nil
	})
}

// TestB7HostReturnsBeforeStarted: returning nil without Started is an
// error matching ErrHostExited.
func TestB7HostReturnsBeforeStarted(t *testing.T) {
	inGuest(t, func(ctx context.Context) error {
		err := bridge.OpenChannelFrom(ctx, func(context.Context, *hostEnd) error { return nil },
			func(context.Context, *guestEnd, int) error { return nil })
		if !errors.Is(err, bridge.ErrHostExited) {
			t.Errorf("OpenChannelFrom = %v; want ErrHostExited", err)
		}
		return nil
	})
}

// TestB9EchoThousand: 1000 echo round trips, then a clean teardown.
func TestB9EchoThousand(t *testing.T) {
	inGuest(t, func(ctx context.Context) error {
		hostGot := 0
		err := bridge.OpenChannelFrom(ctx, echoHost(&hostGot), func(ctx context.Context, ch *guestEnd, _ int) error {
			for i := range 1000 {
				if err := ch.Send(ctx, i); err != nil {
					return err
				}
				v, err := ch.Receive(ctx)
				if err != nil {
					return err
				}
				if v != i {
					return fmt.Errorf("echo %d came back as %d", i, v)
				}
			}
			return nil
		})
		if err != nil {
			t.Errorf("OpenChannelFrom = %v", err)
		}
		if hostGot != 1000 {
			t.Errorf("host echoed %d values; want 1000", hostGot)
		}
		return nil
	})
}

// echoHost sends back every value until the guest leaves.
func echoHost(n *int) func(ctx context.Context, ch *hostEnd) error {
	return func(ctx context.Context, ch *hostEnd) error {
		if err := ch.Started(0); err != nil {
			return err
		}
		for {
			v, err := ch.Receive(ctx)
			if err != nil {
				if errors.Is(err, bridge.ErrGuestExited) {
					return nil
				}
				return err
			}
			*n++
			if err := ch.Send(v); err != nil {
				return err
			}
		}
	}
}

// TestOpenChannelFromHostCancelled: host code cancels the host task; the
// guest's receive and OpenChannelFrom see ErrHostCancelled.
func TestOpenChannelFromHostCancelled(t *testing.T) {
	inGuest(t, func(ctx context.Context) error {
		var recvErr error
		err := bridge.OpenChannelFrom(ctx, func(ctx context.Context, ch *hostEnd) error {
			if err := ch.Started(0); err != nil {
				return err
			}
			loop.CurrentTask(ctx).Cancel()
			return loop.Sleep(ctx, time.Hour)
		}, func(ctx context.Context, ch *guestEnd, _ int) error {
			_, recvErr = ch.Receive(ctx)
			return recvErr
		})
		for _, e := range []error{recvErr, err} {
			if !errors.Is(e, bridge.ErrHostCancelled) || !errors.Is(e, loop.ErrCancelled) {
				t.Errorf("got %v (recv %v, outcome %v); want ErrHostCancelled and loop.ErrCancelled", e, recvErr, err)
			}
		}
		return nil
	})
}

// TestOpenChannelFromGuestCancelled: a guest-side deadline cancels the
// body; the host task is cancelled (its await sees the guest leaving) and
// awaited before OpenChannelFrom returns; the deadline's scope absorbs it.
func TestOpenChannelFromGuestCancelled(t *testing.T) {
	inGuest(t, func(ctx context.Context) error {
		var hostErr error
		hostEnded := false
		err := sc.MoveOnAfter(ctx, 10*time.Millisecond, func(ctx context.Context) error {
			err := bridge.OpenChannelFrom(ctx, func(ctx context.Context, ch *hostEnd) error {
				defer func() { hostEnded = true }()
				if err := ch.Started(0); err != nil {
					return err
				}
				hostErr = loop.Sleep(ctx, time.Hour)
				_ = loop.Sleep(ctx, time.Millisecond) // cleanup that awaits
				return hostErr
			}, func(ctx context.Context, ch *guestEnd, _ int) error {
				_, err := ch.Receive(ctx)
				return err
			})
			if !hostEnded {
				t.Error("OpenChannelFrom returned before the host task ended")
			}
			return err
		})
		if err != nil {
			t.Errorf("MoveOnAfter = %v; want nil", err)
		}
		if !errors.Is(hostErr, loop.ErrCancelled) {
			t.Errorf("host saw %v; want loop.ErrCancelled", hostErr)
		}
		return nil
	})
}

// A host error stops a body that blocks elsewhere, and OpenChannelFrom
// returns it; when the body then fails with an error of its own, both come
// out, the host's first.
func TestOpenChannelFromHostErrorCancelsBody(t *testing.T) {
	errBody := errors.New("body failed too")
	tests := []struct {
		name  string
		give  error // what the body returns once cancelled; nil: its cancellation
		check func(t *testing.T, err error)
	}{
		{"body cancelled", nil, func(t *testing.T, err error) {
			if !errors.Is(err, errBoom) {
				t.Errorf("OpenChannelFrom = %v; want %v", err, errBoom)
			}
		}},
		{"body fails too", errBody, func(t *testing.T, err error) { checkOrder(t, err, errBoom, errBody) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inGuest(t, func(ctx context.Context) error {
				err := bridge.OpenChannelFrom(ctx, func(ctx context.Context, ch *hostEnd) error {
					if err := ch.Started(0); err != nil {
						return err
					}
					return errBoom
				}, func(ctx context.Context, ch *guestEnd, _ int) error {
					err := sc.SleepForever(ctx) // cancelled by the host's failure
					if tt.give != nil {
						return tt.give
					}
					return err
				})
				tt.check(t, err)
				return nil
			})
		})
	}
}

// The guest side is cancelled first, and the host task fails while it
// handles the cancel: OpenChannelFrom returns the cancellation, then the
// host's error, and the scope that absorbs the cancellation lets the
// host's error through (as RunHostTask does).
func TestOpenChannelFromGuestCancelThenHostError(t *testing.T) {
	inGuest(t, func(ctx context.Context) error {
		var openErr, hostCause error
		err := sc.OpenCancelScope(ctx, func(ctx context.Context, cs *sc.CancelScope) error {
			openErr = bridge.OpenChannelFrom(ctx, func(hctx context.Context, ch *hostEnd) error {
				if err := ch.Started(0); err != nil {
					return err
				}
				return failOnCancel(hctx, cs, &hostCause)
			}, func(ctx context.Context, ch *guestEnd, _ int) error {
				return sc.SleepForever(ctx)
			})
			return openErr
		})
		checkFailedOnCancel(t, err, openErr, hostCause, bridge.ErrGuestExited)
		return nil
	})
}

// TestOpenChannelFromOverrun: a host that outruns the guest's queue gets
// ErrOverrun, and the value is not queued.
func TestOpenChannelFromOverrun(t *testing.T) {
	inGuest(t, func(ctx context.Context) error {
		var sendErr error
		var got []int
		err := bridge.OpenChannelFrom(ctx, func(ctx context.Context, ch *hostEnd) error {
			if err := ch.Started(0); err != nil {
				return err
			}
			for i := range 3 {
				if err := ch.Send(i); err != nil {
					sendErr = err
					return nil
				}
			}
			return nil
		}, func(ctx context.Context, ch *guestEnd, _ int) error {
			for {
				v, err := ch.Receive(ctx)
				if err != nil {
					return err
				}
				got = append(got, v)
			}
		}, bridge.WithQueueSize(2))
		if err != nil {
			t.Errorf("OpenChannelFrom = %v", err)
		}
		if !errors.Is(sendErr, bridge.ErrOverrun) {
			t.Errorf("third send = %v; want ErrOverrun", sendErr)
		}
		checkRange(t, "receive", got, 2)
		return nil
	})
}

// TestOpenChannelFromPanics: a panic on either side becomes an error.
func TestOpenChannelFromPanics(t *testing.T) {
	inGuest(t, func(ctx context.Context) error {
		err := bridge.OpenChannelFrom(ctx, func(ctx context.Context, ch *hostEnd) error {
			panic("host side")
		}, func(context.Context, *guestEnd, int) error { return nil })
		var pe *loop.PanicError
		if !errors.As(err, &pe) {
			t.Errorf("host panic: %v; want a *loop.PanicError", err)
		}
		var hostErr error
		err = bridge.OpenChannelFrom(ctx, func(ctx context.Context, ch *hostEnd) error {
			if err := ch.Started(0); err != nil {
				return err
			}
			_, hostErr = ch.Receive(ctx)
			return hostErr
		}, func(context.Context, *guestEnd, int) error { panic("guest side") })
		if !errors.As(err, &pe) {
			t.Errorf("body panic: %v; want a *sc.PanicError", err)
		}
		if !errors.Is(hostErr, bridge.ErrGuestCrashed) {
			t.Errorf("host saw %v; want ErrGuestCrashed", hostErr)
		}
		return nil
	})
}

func TestOpenChannelFromMisuse(t *testing.T) {
	inGuest(t, func(ctx context.Context) error {
		ok := func(context.Context, *guestEnd, int) error { return nil }
		if err := bridge.OpenChannelFrom[int, int](ctx, nil, ok); err == nil {
			t.Error("nil host: want an error")
		}
		if err := bridge.OpenChannelFrom(ctx, sendRange(0, 0), ok, bridge.WithQueueSize(0)); err == nil {
			t.Error("queue size 0: want an error")
		}
		var sendErr, twiceErr error
		var after *guestEnd
		err := bridge.OpenChannelFrom(ctx, func(ctx context.Context, ch *hostEnd) error {
			sendErr = ch.Send(1)
			if err := ch.Started(0); err != nil {
				return err
			}
			twiceErr = ch.Started(0)
			return nil
		}, func(ctx context.Context, ch *guestEnd, _ int) error {
			after = ch
			_, err := ch.Receive(ctx)
			return err
		})
		if err != nil {
			t.Errorf("OpenChannelFrom = %v", err)
		}
		if sendErr == nil || twiceErr == nil {
			t.Errorf("Send before Started = %v, Started twice = %v; want errors", sendErr, twiceErr)
		}
		if _, err := after.Receive(ctx); !errors.Is(err, sc.ErrClosedResource) {
			t.Errorf("Receive after return = %v; want sc.ErrClosedResource", err)
		}
		if err := after.Send(ctx, 1); !errors.Is(err, sc.ErrClosedResource) {
			t.Errorf("Send after return = %v; want sc.ErrClosedResource", err)
		}
		return nil
	})
	err := bridge.OpenChannelFrom(context.Background(), sendRange(0, 0), func(context.Context, *guestEnd, int) error { return nil })
	if !errors.Is(err, sc.ErrNotInTask) {
		t.Errorf("outside a guest: %v; want sc.ErrNotInTask", err)
	}
}

// TestOpenChannelFromSeveralReceivers: two guest tasks receiving from the
// channel's own queue share the values; none is lost or repeated.
func TestOpenChannelFromSeveralReceivers(t *testing.T) {
	inGuest(t, func(ctx context.Context) error {
		seen := make(map[int]int)
		err := bridge.OpenChannelFrom(ctx, sendRange(0, 200), func(ctx context.Context, ch *guestEnd, _ int) error {
			return sc.OpenNursery(ctx, func(ctx context.Context, n *sc.Nursery) error {
				for range 2 {
					n.StartSoon("receiver", func(ctx context.Context) error {
						for {
							v, err := ch.Receive(ctx)
							if errors.Is(err, sc.ErrEndOfChannel) {
								return nil
							}
							if err != nil {
								return err
							}
							seen[v]++
						}
					})
				}
				return nil
			})
		})
		if err != nil {
			t.Errorf("OpenChannelFrom = %v", err)
		}
		for i := range 200 {
			if seen[i] != 1 {
				t.Errorf("value %d seen %d times; want once", i, seen[i])
			}
		}
		return nil
	})
}

// TestSubscriptionClose: a closed subscription stops receiving and no
// longer counts for overruns; the channel's own Receive is an error once
// subscriptions are in use; values queued before the first Subscribe go to
// that subscription.
func TestSubscriptionClose(t *testing.T) {
	inGuest(t, func(ctx context.Context) error {
		var sendErrs []error
		err := bridge.OpenChannelFrom(ctx, func(ctx context.Context, ch *hostEnd) error {
			if err := ch.Started(0); err != nil {
				return err
			}
			if err := ch.Send(100); err != nil { // before any Subscribe
				return err
			}
			if _, err := ch.Receive(ctx); err != nil { // subscribed
				return err
			}
			for i := range 4 {
				sendErrs = append(sendErrs, ch.Send(i))
			}
			_, err := ch.Receive(ctx) // until the guest leaves
			if errors.Is(err, bridge.ErrGuestExited) {
				return nil
			}
			return err
		}, func(ctx context.Context, ch *guestEnd, _ int) error {
			if err := sc.Sleep(ctx, time.Millisecond); err != nil { // let 100 arrive
				return err
			}
			a, err := ch.Subscribe()
			if err != nil {
				return err
			}
			b, err := ch.Subscribe()
			if err != nil {
				return err
			}
			if _, err := ch.Receive(ctx); err == nil {
				t.Error("GuestEnd.Receive after Subscribe: want an error")
			}
			if v, err := a.Receive(ctx); v != 100 || err != nil {
				t.Errorf("first subscription's first value = %d, %v; want 100", v, err)
			}
			b.Close()
			b.Close()
			if _, err := b.Receive(ctx); !errors.Is(err, sc.ErrClosedResource) {
				t.Errorf("Receive after Close = %v; want sc.ErrClosedResource", err)
			}
			if err := ch.Send(ctx, 0); err != nil {
				return err
			}
			for i := range 4 {
				v, err := a.Receive(ctx)
				if err != nil || v != i {
					t.Errorf("a.Receive = %d, %v; want %d", v, err, i)
				}
			}
			return nil
		}, bridge.WithQueueSize(4))
		if err != nil {
			t.Errorf("OpenChannelFrom = %v", err)
		}
		for i, e := range sendErrs {
			if e != nil {
				t.Errorf("send %d = %v; want nil (the closed subscription does not count)", i, e)
			}
		}
		return nil
	})
}

// TestSubscriptionOverrunIsPerSubscription: a subscription that falls
// behind loses values and is told where (an *sc.OverrunError), while the
// one that keeps up gets every value; the host's Send reports the loss.
func TestSubscriptionOverrunIsPerSubscription(t *testing.T) {
	inGuest(t, func(ctx context.Context) error {
		sendErrs := 0
		var fast, slow []int
		var lost error
		err := bridge.OpenChannelFrom(ctx, func(ctx context.Context, ch *hostEnd) error {
			if err := ch.Started(0); err != nil {
				return err
			}
			if _, err := ch.Receive(ctx); err != nil { // both subscribed
				return err
			}
			for i := range 6 {
				if err := ch.Send(i); errors.Is(err, bridge.ErrOverrun) {
					sendErrs++
				} else if err != nil {
					return err
				}
				if _, err := ch.Receive(ctx); err != nil { // the fast one's ack
					return err
				}
			}
			return nil
		}, func(ctx context.Context, ch *guestEnd, _ int) error {
			a, err := ch.Subscribe()
			if err != nil {
				return err
			}
			b, err := ch.Subscribe()
			if err != nil {
				return err
			}
			if err := ch.Send(ctx, 0); err != nil {
				return err
			}
			for {
				v, err := a.Receive(ctx)
				if errors.Is(err, sc.ErrEndOfChannel) {
					break
				}
				if err != nil {
					return err
				}
				fast = append(fast, v)
				if err := ch.Send(ctx, 0); err != nil {
					return err
				}
			}
			for {
				v, err := b.Receive(ctx)
				if err != nil {
					if lost == nil && errors.Is(err, bridge.ErrOverrun) {
						lost = err
						continue
					}
					return err
				}
				slow = append(slow, v)
			}
		}, bridge.WithQueueSize(4))
		if err != nil {
			t.Errorf("OpenChannelFrom = %v", err)
		}
		checkRange(t, "subscription that keeps up", fast, 6)
		checkRange(t, "subscription that falls behind", slow, 4)
		var oe *sc.OverrunError
		if !errors.As(lost, &oe) || oe.Lost != 2 {
			t.Errorf("slow subscription's loss report = %v; want an *sc.OverrunError of 2", lost)
		}
		if sendErrs != 2 {
			t.Errorf("Send reported %d overruns; want 2", sendErrs)
		}
		return nil
	})
}
