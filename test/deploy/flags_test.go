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

package deploy

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net"
	"strconv"
	"strings"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/log/zap"
)

// managerFlag is one command-line flag of the manager (cmd/main.go).
type managerFlag struct {
	isBool bool
	// def is the default value when cmd/main.go writes it as a literal, else "".
	def string
}

// flagSetters are the flag.FlagSet methods cmd/main.go registers its flags with: name -> bool-ness.
var flagSetters = map[string]bool{
	"BoolVar": true, "Bool": true,
	"StringVar": false, "String": false,
	"IntVar": false, "Int": false, "Int64Var": false, "Int64": false,
	"UintVar": false, "Uint": false, "Float64Var": false, "Float64": false,
	"DurationVar": false, "Duration": false,
}

// managerFlags reads the flags the manager accepts from cmd/main.go's source (it is package main,
// so it cannot be imported), plus the zap logging flags it binds and controller-runtime's
// --kubeconfig. A Deployment arg the manager does not know makes every pod crash-loop, and no
// dry-run catches that.
func managerFlags(t testing.TB) map[string]managerFlag {
	t.Helper()
	file := repoPath("cmd", "main.go")
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		t.Fatalf("parse %s: %v", file, err)
	}
	flags := map[string]managerFlag{}
	var bad []string
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		isBool, ok := flagSetters[sel.Sel.Name]
		if !ok {
			return true
		}
		// XxxVar(&target, name, default, usage); Xxx(name, default, usage).
		nameArg := 0
		if strings.HasSuffix(sel.Sel.Name, "Var") {
			nameArg = 1
		}
		if len(call.Args) < nameArg+3 {
			return true
		}
		lit, ok := call.Args[nameArg].(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			bad = append(bad, fmt.Sprintf("%s call with a non-literal flag name", sel.Sel.Name))
			return true
		}
		name, err := strconv.Unquote(lit.Value)
		if err != nil {
			bad = append(bad, err.Error())
			return true
		}
		fl := managerFlag{isBool: isBool}
		switch d := call.Args[nameArg+1].(type) {
		case *ast.BasicLit:
			if v, err := strconv.Unquote(d.Value); err == nil {
				fl.def = v
			} else {
				fl.def = d.Value
			}
		case *ast.Ident:
			fl.def = d.Name // true, false
		}
		flags[name] = fl
		return true
	})
	if len(bad) > 0 {
		t.Fatalf("reading the manager's flags from %s: %s", file, strings.Join(bad, "; "))
	}
	// Sanity: a refactoring of cmd/main.go that hides the flags from this parser must fail here,
	// not make every later check vacuous.
	for _, name := range []string{"leader-elect", "health-probe-bind-address", "metrics-bind-address",
		"auth-bind-address", "auth-cert-dir", "webhook-cert-dir", "disable-webhooks", "limits-configmap"} {
		if _, ok := flags[name]; !ok {
			t.Fatalf("found no --%s flag in %s; the flags found: %v", name, file, flags)
		}
	}

	zapFlags := flag.NewFlagSet("zap", flag.ContinueOnError)
	(&zap.Options{}).BindFlags(zapFlags)
	zapFlags.VisitAll(func(f *flag.Flag) {
		b, ok := f.Value.(interface{ IsBoolFlag() bool })
		flags[f.Name] = managerFlag{isBool: ok && b.IsBoolFlag(), def: f.DefValue}
	})
	flags["kubeconfig"] = managerFlag{}
	return flags
}

// managerArgs are a container's --name[=value] arguments, by name; a bare --name maps to "". A
// flag given more than once has its last value, as for the manager's flag.FlagSet; repeated
// names those flags, in order.
func managerArgs(args []string) (values map[string]string, repeated []string, err error) {
	values = map[string]string{}
	for _, a := range args {
		if !strings.HasPrefix(a, "--") || len(a) == 2 {
			return nil, nil, fmt.Errorf("argument %q is not --name[=value]", a)
		}
		name, value, _ := strings.Cut(a[2:], "=")
		if _, dup := values[name]; dup {
			repeated = append(repeated, name)
		}
		values[name] = value
	}
	return values, repeated, nil
}

// bindPort is the port of a bind address such as ":8443" or "0.0.0.0:8443".
func bindPort(addr string) (int32, error) {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return 0, fmt.Errorf("bind address %q: %w", addr, err)
	}
	p, err := strconv.ParseInt(port, 10, 32)
	if err != nil || p <= 0 {
		return 0, fmt.Errorf("bind address %q: no port", addr)
	}
	return int32(p), nil
}
