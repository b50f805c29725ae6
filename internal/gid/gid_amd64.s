#include "textflag.h"

// func current() uintptr
// The runtime keeps the running goroutine's descriptor in thread-local
// storage on amd64 (as runtime·getg reads it).
TEXT ·current(SB),NOSPLIT,$0-8
	MOVQ (TLS), AX
	MOVQ AX, ret+0(FP)
	RET
