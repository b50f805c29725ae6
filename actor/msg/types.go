package msg

// Msg is one protocol message. The concrete types are the pointer types
// below (*Identity, *Yield, ...); [Codec.Decode] returns them and
// [Codec.Encode] accepts them.
type Msg interface {
	// Kind returns the message's stable wire tag.
	Kind() Kind
}

// Raw is an undecoded msgpack value: a payload as it travels. An empty Raw
// is sent as msgpack nil. Make one with [Codec.EncodePayload] or
// [Codec.EncodeChecked]; read one with [Codec.DecodePayload].
type Raw []byte

// ActorID names an actor: its human-readable name and its unique id (a
// UUID string). Equality is by both fields. It is sent as a two-element
// array, or nil when zero.
type ActorID struct {
	Name string
	UID  string
}

// IsZero reports whether id has neither name nor uid.
func (id ActorID) IsZero() bool { return id.Name == "" && id.UID == "" }

// String returns "name@uid", with the uid shortened to its first 8
// characters; "<unknown>" for the zero ActorID.
func (id ActorID) String() string {
	if id.IsZero() {
		return "<unknown>"
	}
	u := id.UID
	if len(u) > 8 {
		u = u[:8]
	}
	return id.Name + "@" + u
}

// Identity is the handshake message: a connection's sides exchange
// nonces, proofs of the tree's auth token and their identities in it. How
// and in which order is actor/ipc's business.
type Identity struct {
	Name       string
	UID        string // a UUID string
	PID        int
	IsRegistry bool // the peer is the tree's registry
	Probe      bool // a short-lived discovery connection; it will not serve
	Nonce      []byte
	Proof      []byte
}

// ID returns the identity's ActorID.
func (m *Identity) ID() ActorID { return ActorID{Name: m.Name, UID: m.UID} }

// RuntimeVars are the runtime settings a parent relays to each child. The
// zero value means defaults everywhere.
type RuntimeVars struct {
	DebugMode bool
	LogLevel  string // a slog level name such as "INFO"; empty means the default
	Infected  bool   // the child runs its host loop with the runtime as guest
	BusyPoll  string // the IPC busy-poll window as a Go duration ("100µs", "0s" for off); empty means ipc's default
	// Extra holds settings this package does not know; they travel as is.
	Extra map[string]string
}

// SpawnSpec is what a parent sends a child right after the handshake.
type SpawnSpec struct {
	Name          string // the child's name
	UID           string // the child's uid
	Parent        ActorID
	Vars          RuntimeVars
	RegistryAddrs []string // "tcp://host:port" or "unix:///path"
	BindAddrs     []string // where the child should listen; empty means the defaults
	Endpoints     []string // the endpoint names the child exposes; empty means all registered
}

// Start asks the peer to run an endpoint, opening dialog Cid.
type Start struct {
	Cid         string
	NS          string // endpoint namespace; "self" targets the runtime's own endpoints
	Func        string // endpoint name within NS
	Args        Raw    // the encoded arguments
	CallerUID   string
	PayloadSpec string // the name of the payload spec the caller expects; "" means any
}

// StartAck is the first reply to a Start, saying which dialog follows.
type StartAck struct {
	Cid      string
	FuncKind FuncKind
}

// Started carries a context's first value.
type Started struct {
	Cid string
	Pld Raw
}

// Yield carries one stream item.
type Yield struct {
	Cid string
	Pld Raw
}

// Stop ends the sender's side of a stream.
type Stop struct {
	Cid string
}

// Return carries a dialog's final value.
type Return struct {
	Cid string
	Pld Raw
}

// CancelAck answers a runtime cancel request; its payload is a bool and
// decodes under any spec.
type CancelAck struct {
	Cid string
	Pld Raw
}

// Error is a boxed error travelling between actors. Build one with
// [PackError] and open it with [UnpackError].
type Error struct {
	Cid           string    // the dialog the error ends; "" for none
	Src           ActorID   // the actor where the error was first raised
	SrcTypeName   string    // the type of the original error
	BoxedTypeName string    // the type as boxed at the last hop
	RelayPath     []ActorID // one entry per actor that packed it, source first
	Message       string
	StackText     string
	Canceller     ActorID // for a cancelled context: who asked
	Sender        ActorID // for an overrun: who sent too fast
	BadMsg        Raw     // for a type error: the offending message, encoded
	BadMsgDict    map[string]string
}
