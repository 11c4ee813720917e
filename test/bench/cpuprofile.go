/*
Copyright 2026 The Support Access Operator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package main

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
)

// cpuStack is one sample of a CPU profile: its CPU time and its frames' function names, leaf first
// (inlined frames included), e.g. "k8s.io/client-go/tools/cache.(*Reflector).watch".
type cpuStack struct {
	cpu    time.Duration
	frames []string
}

// readCPUProfile reads the samples of a (gzipped) profile.proto CPU profile, as Go's
// /debug/pprof/profile writes it. It decodes only what the category breakdown needs: the samples'
// values and locations, the locations' lines, the functions' names and the string table. A small
// decoder of its own, on protowire, because github.com/google/pprof is not a module of go.mod.
func readCPUProfile(path string) ([]cpuStack, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(raw) > 2 && raw[0] == 0x1f && raw[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if raw, err = io.ReadAll(zr); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	stacks, err := decodeCPUProfile(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return stacks, nil
}

// The fields of profile.proto (github.com/google/pprof/proto/profile.proto) read here.
const (
	profSample      = 2 // Profile.sample
	profLocation    = 4 // Profile.location
	profFunction    = 5 // Profile.function
	profStringTable = 6 // Profile.string_table
	sampleLocation  = 1 // Sample.location_id (packed)
	sampleValue     = 2 // Sample.value (packed)
	locationID      = 1 // Location.id
	locationLine    = 4 // Location.line
	lineFunction    = 1 // Line.function_id
	functionID      = 1 // Function.id
	functionName    = 2 // Function.name (string table index)
)

func decodeCPUProfile(b []byte) ([]cpuStack, error) {
	type sample struct {
		locs  []uint64
		value int64 // the last value: CPU nanoseconds in Go's CPU profiles
	}
	var (
		samples   []sample
		locFuncs  = map[uint64][]uint64{} // location → its lines' functions, innermost first
		funcNames = map[uint64]int64{}    // function → string index
		strs      []string
	)
	err := eachField(b, func(num protowire.Number, typ protowire.Type, v []byte, _ uint64) error {
		switch num {
		case profSample:
			var s sample
			err := eachField(v, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
				switch num {
				case sampleLocation:
					s.locs = appendVarints(s.locs, typ, v, x)
				case sampleValue:
					if vals := appendVarints(nil, typ, v, x); len(vals) > 0 {
						s.value = int64(vals[len(vals)-1])
					}
				}
				return nil
			})
			samples = append(samples, s)
			return err
		case profLocation:
			var id uint64
			var funcs []uint64
			err := eachField(v, func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error {
				switch num {
				case locationID:
					id = x
				case locationLine:
					return eachField(v, func(num protowire.Number, _ protowire.Type, _ []byte, x uint64) error {
						if num == lineFunction {
							funcs = append(funcs, x)
						}
						return nil
					})
				}
				return nil
			})
			locFuncs[id] = funcs
			return err
		case profFunction:
			var id uint64
			var name int64
			err := eachField(v, func(num protowire.Number, _ protowire.Type, _ []byte, x uint64) error {
				switch num {
				case functionID:
					id = x
				case functionName:
					name = int64(x)
				}
				return nil
			})
			funcNames[id] = name
			return err
		case profStringTable:
			strs = append(strs, string(v))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make([]cpuStack, 0, len(samples))
	for _, s := range samples {
		st := cpuStack{cpu: time.Duration(s.value)}
		for _, loc := range s.locs {
			for _, f := range locFuncs[loc] {
				if i := funcNames[f]; i >= 0 && int(i) < len(strs) {
					st.frames = append(st.frames, strs[i])
				}
			}
		}
		out = append(out, st)
	}
	return out, nil
}

// eachField calls fn for each field of a protobuf message: v is a length-delimited field's bytes,
// x a varint field's value.
func eachField(b []byte, fn func(num protowire.Number, typ protowire.Type, v []byte, x uint64) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		var v []byte
		var x uint64
		switch typ {
		case protowire.VarintType:
			x, n = protowire.ConsumeVarint(b)
		case protowire.BytesType:
			v, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		if err := fn(num, typ, v, x); err != nil {
			return err
		}
	}
	return nil
}

// appendVarints appends a repeated varint field's values: packed (bytes) or one varint.
func appendVarints(dst []uint64, typ protowire.Type, v []byte, x uint64) []uint64 {
	if typ == protowire.VarintType {
		return append(dst, x)
	}
	for len(v) > 0 {
		y, n := protowire.ConsumeVarint(v)
		if n < 0 {
			return dst
		}
		dst, v = append(dst, y), v[n:]
	}
	return dst
}

// cpuCategory is a share of the manager's CPU a reader can name, recognised by the function
// names in a sample's stack.
type cpuCategory struct {
	name  string
	match func(fn string) bool
}

func hasAny(subs ...string) func(string) bool {
	return func(fn string) bool {
		for _, s := range subs {
			if strings.Contains(fn, s) {
				return true
			}
		}
		return false
	}
}

const modulePath = "github.com/supportaccess/support-access-operator/"

// managerCPUCategories are the categories of the manager's CPU while it issues grants, in
// priority order: a sample counts once, in the first category any of its frames matches. The
// order makes each one whole: the GC's own work first (it runs under whatever goroutine
// allocates); then the auth service's index updates and the events recorder, each with the
// decoding or HTTP work done on their behalf (they are what a reader would switch off); then
// decoding, wherever it is called from (the informers' watch and list, the answers to the
// controller's writes); then the encoding and sending of requests; then the controller's own logic,
// which is what remains of a reconcile.
var managerCPUCategories = []cpuCategory{
	{"GC (background marking, assists, sweeping, scavenging)", hasAny(
		"runtime.gcBgMarkWorker", "runtime.gcAssistAlloc", "runtime.bgsweep", "runtime.bgscavenge",
		"runtime.gcDrain", "runtime.markroot", "runtime.gcStart", "runtime.sweepone")},
	{"auth service: index updates (internal/auth, internal/session)", hasAny(
		modulePath+"internal/auth.", modulePath+"internal/session.")},
	{"events recorder (client-go tools/events, tools/record)", hasAny(
		"k8s.io/client-go/tools/events.", "k8s.io/client-go/tools/record.")},
	{"decoding: watch and list, informers, responses (JSON, protobuf, CBOR)", hasAny(
		"k8s.io/client-go/tools/cache.", "k8s.io/client-go/rest/watch.", "k8s.io/apimachinery/pkg/watch.",
		"k8s.io/apimachinery/pkg/util/framer.", "sigs.k8s.io/json.", "encoding/json.(*decodeState)", "encoding/json.Unmarshal",
		"k8s.io/apimachinery/pkg/runtime/serializer/json.(*Serializer).Decode",
		"k8s.io/apimachinery/pkg/runtime/serializer/protobuf.(*Serializer).Decode",
		"k8s.io/apimachinery/pkg/runtime/serializer/cbor", "github.com/fxamacker/cbor",
		"google.golang.org/protobuf/", "Unmarshal", "k8s.io/apimachinery/pkg/runtime/serializer/versioning.(*codec).Decode",
		"k8s.io/client-go/rest.(*Result).Into", "k8s.io/client-go/rest.Result.Into")},
	{"requests: encoding, HTTP/2 and TLS client (client-go rest, net/http, crypto/tls)", hasAny(
		"k8s.io/client-go/rest.", "k8s.io/client-go/transport", "net/http.", "golang.org/x/net/http2.",
		"crypto/tls.", "net.", "encoding/json.", "Marshal",
		"k8s.io/apimachinery/pkg/runtime/serializer", "internal/poll.", "syscall.")},
	{"reconcile logic (controllers, internal/credentials, keyring HMAC, controller-runtime)", hasAny(
		modulePath+"controllers.", modulePath+"internal/credentials.", modulePath+"internal/keyring.",
		modulePath+"internal/", "sigs.k8s.io/controller-runtime/", "k8s.io/client-go/util/workqueue.")},
	{"runtime: scheduler, allocation, maps, other Go runtime", hasAny("runtime.")},
}

const otherCategory = "other"

// cpuBreakdown sums the samples' CPU by category (managerCPUCategories, then otherCategory) and
// returns the sums in the categories' order, and the total.
func cpuBreakdown(stacks []cpuStack, cats []cpuCategory) (sums []time.Duration, total time.Duration) {
	sums = make([]time.Duration, len(cats)+1)
	for _, s := range stacks {
		total += s.cpu
		sums[categoryOf(s.frames, cats)] += s.cpu
	}
	return sums, total
}

// categoryOf returns the index of the first category any frame matches, or len(cats).
func categoryOf(frames []string, cats []cpuCategory) int {
	for i, c := range cats {
		for _, f := range frames {
			if c.match(f) {
				return i
			}
		}
	}
	return len(cats)
}

// categoryName is the name of the i-th sum of cpuBreakdown.
func categoryName(i int) string {
	if i < len(managerCPUCategories) {
		return managerCPUCategories[i].name
	}
	return otherCategory
}

// cpuBreakdownFiles is cpuBreakdown over the samples of every profile at paths, by
// managerCPUCategories.
func cpuBreakdownFiles(paths []string) (sums []time.Duration, total time.Duration, err error) {
	var all []cpuStack
	var errs []error
	for _, p := range paths {
		st, err := readCPUProfile(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		all = append(all, st...)
	}
	if len(all) == 0 {
		errs = append(errs, errors.New("no samples"))
	}
	sums, total = cpuBreakdown(all, managerCPUCategories)
	return sums, total, errors.Join(errs...)
}

// cpuBreakdownText is a breakdown as a table: each category's CPU per grant (of n) and its share
// of the total.
func cpuBreakdownText(sums []time.Duration, total time.Duration, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-88s %10s %6s\n", "Category (each sample once, in the first that matches)", "per grant", "share")
	for i, d := range sums {
		fmt.Fprintf(&b, "%-88s %10s %5.1f%%\n", categoryName(i), dur(d/time.Duration(n)), 100*float64(d)/float64(max(total, 1)))
	}
	fmt.Fprintf(&b, "%-88s %10s", "total sampled", dur(total/time.Duration(n)))
	return b.String()
}
