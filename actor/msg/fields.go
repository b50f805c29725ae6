package msg

// Field order below is the wire order. Append new fields at the end only;
// never reorder or remove (see the package doc).

// field starts decoding the next field of the current message; it reports
// false when the sender sent fewer fields, leaving the zero value.
func (r *reader) field(name string) bool {
	if r.left == 0 || r.err != nil {
		return false
	}
	r.left--
	r.fld = name
	return true
}

func (m *Identity) appendFields(b []byte) []byte {
	b = appendArrayHeader(b, 8)
	b = appendUint(b, uint64(KindIdentity))
	b = appendStr(b, m.Name)
	b = appendStr(b, m.UID)
	b = appendInt(b, int64(m.PID))
	b = appendBool(b, m.IsRegistry)
	b = appendBool(b, m.Probe)
	b = appendBin(b, m.Nonce)
	return appendBin(b, m.Proof)
}

func (m *Identity) readFields(r *reader) {
	if r.field("Name") {
		m.Name = r.str()
	}
	if r.field("UID") {
		m.UID = r.str()
	}
	if r.field("PID") {
		m.PID = int(r.integer())
	}
	if r.field("IsRegistry") {
		m.IsRegistry = r.boolean()
	}
	if r.field("Probe") {
		m.Probe = r.boolean()
	}
	if r.field("Nonce") {
		m.Nonce = r.bin()
	}
	if r.field("Proof") {
		m.Proof = r.bin()
	}
}

func (m *SpawnSpec) appendFields(b []byte) []byte {
	b = appendArrayHeader(b, 8)
	b = appendUint(b, uint64(KindSpawnSpec))
	b = appendStr(b, m.Name)
	b = appendStr(b, m.UID)
	b = appendActorID(b, m.Parent)
	// RuntimeVars nest as their own array, so they can grow independently.
	b = appendArrayHeader(b, 4)
	b = appendBool(b, m.Vars.DebugMode)
	b = appendStr(b, m.Vars.LogLevel)
	b = appendBool(b, m.Vars.Infected)
	b = appendStrMap(b, m.Vars.Extra)
	b = appendStrs(b, m.RegistryAddrs)
	b = appendStrs(b, m.BindAddrs)
	return appendStrs(b, m.Endpoints)
}

func (m *SpawnSpec) readFields(r *reader) {
	if r.field("Name") {
		m.Name = r.str()
	}
	if r.field("UID") {
		m.UID = r.str()
	}
	if r.field("Parent") {
		m.Parent = r.actorID()
	}
	if r.field("Vars") && !r.tryNil() {
		n := r.arrayLen()
		if n > 0 {
			r.fld = "Vars.DebugMode"
			m.Vars.DebugMode = r.boolean()
		}
		if n > 1 {
			r.fld = "Vars.LogLevel"
			m.Vars.LogLevel = r.str()
		}
		if n > 2 {
			r.fld = "Vars.Infected"
			m.Vars.Infected = r.boolean()
		}
		if n > 3 {
			r.fld = "Vars.Extra"
			m.Vars.Extra = r.strMap()
		}
		for ; n > 4 && r.err == nil; n-- {
			r.skip(1)
		}
	}
	if r.field("RegistryAddrs") {
		m.RegistryAddrs = r.strs()
	}
	if r.field("BindAddrs") {
		m.BindAddrs = r.strs()
	}
	if r.field("Endpoints") {
		m.Endpoints = r.strs()
	}
}

func (m *Start) appendFields(b []byte) []byte {
	b = appendArrayHeader(b, 7)
	b = appendUint(b, uint64(KindStart))
	b = appendStr(b, m.Cid)
	b = appendStr(b, m.NS)
	b = appendStr(b, m.Func)
	b = appendRaw(b, m.Args)
	b = appendStr(b, m.CallerUID)
	return appendStr(b, m.PayloadSpec)
}

func (m *Start) readFields(r *reader) {
	if r.field("Cid") {
		m.Cid = r.str()
	}
	if r.field("NS") {
		m.NS = r.str()
	}
	if r.field("Func") {
		m.Func = r.str()
	}
	if r.field("Args") {
		m.Args = r.raw()
	}
	if r.field("CallerUID") {
		m.CallerUID = r.str()
	}
	if r.field("PayloadSpec") {
		m.PayloadSpec = r.str()
	}
}

func (m *StartAck) appendFields(b []byte) []byte {
	b = append(b, 0x93, byte(KindStartAck))
	b = appendStr(b, m.Cid)
	return appendUint(b, uint64(m.FuncKind))
}

func (m *StartAck) readFields(r *reader) {
	if r.field("Cid") {
		m.Cid = r.str()
	}
	if r.field("FuncKind") {
		v := r.integer()
		if v < 0 || v > 255 {
			r.fail("FuncKind out of range")
		}
		m.FuncKind = FuncKind(v)
	}
}

// appendPld writes the shared shape of Started, Yield, Return, CancelAck.
func appendPld(b []byte, k Kind, cid string, pld Raw) []byte {
	b = append(b, 0x93, byte(k))
	b = appendStr(b, cid)
	return appendRaw(b, pld)
}

func readPld(r *reader) (cid string, pld Raw) {
	if r.field("Cid") {
		cid = r.str()
	}
	if r.field("Pld") {
		pld = r.raw()
	}
	return cid, pld
}

func (m *Stop) appendFields(b []byte) []byte {
	return appendStr(append(b, 0x92, byte(KindStop)), m.Cid)
}

func (m *Stop) readFields(r *reader) {
	if r.field("Cid") {
		m.Cid = r.str()
	}
}

func (m *Error) appendFields(b []byte) []byte {
	b = appendArrayHeader(b, 12)
	b = appendUint(b, uint64(KindError))
	b = appendStr(b, m.Cid)
	b = appendActorID(b, m.Src)
	b = appendStr(b, m.SrcTypeName)
	b = appendStr(b, m.BoxedTypeName)
	b = appendActorIDs(b, m.RelayPath)
	b = appendStr(b, m.Message)
	b = appendStr(b, m.StackText)
	b = appendActorID(b, m.Canceller)
	b = appendActorID(b, m.Sender)
	b = appendRaw(b, m.BadMsg)
	return appendStrMap(b, m.BadMsgDict)
}

func (m *Error) readFields(r *reader) {
	if r.field("Cid") {
		m.Cid = r.str()
	}
	if r.field("Src") {
		m.Src = r.actorID()
	}
	if r.field("SrcTypeName") {
		m.SrcTypeName = r.str()
	}
	if r.field("BoxedTypeName") {
		m.BoxedTypeName = r.str()
	}
	if r.field("RelayPath") {
		m.RelayPath = r.actorIDs()
	}
	if r.field("Message") {
		m.Message = r.str()
	}
	if r.field("StackText") {
		m.StackText = r.str()
	}
	if r.field("Canceller") {
		m.Canceller = r.actorID()
	}
	if r.field("Sender") {
		m.Sender = r.actorID()
	}
	if r.field("BadMsg") {
		m.BadMsg = r.raw()
	}
	if r.field("BadMsgDict") {
		m.BadMsgDict = r.strMap()
	}
}
