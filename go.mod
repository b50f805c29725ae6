module github.com/hitchrt/hitch

go 1.26.0

require (
	github.com/ugorji/go/codec v1.3.2
	go.uber.org/goleak v1.3.0
)

require github.com/google/uuid v1.6.0 // indirect
