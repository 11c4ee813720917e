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

package helm

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"sync"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/log/zap"
)

// managerFlag is one command-line flag of the manager (cmd/main.go).
type managerFlag struct {
	isBool bool
	// def is the default when cmd/main.go writes it as a literal, else "".
	def string
	// literal tells whether def is known.
	literal bool
}

// flagSetters are the flag.FlagSet methods cmd/main.go registers its flags with: name -> bool-ness.
var flagSetters = map[string]bool{
	"BoolVar": true, "Bool": true,
	"StringVar": false, "String": false,
	"IntVar": false, "Int": false, "Int64Var": false, "Int64": false,
	"UintVar": false, "Uint": false, "Float64Var": false, "Float64": false,
	"DurationVar": false, "Duration": false,
}

// parseManagerFlags reads the flags the manager accepts from cmd/main.go's source (package main
// of another module: it cannot be imported), plus the zap flags it binds and controller-runtime's
// --kubeconfig. The same reading as test/deploy's.
var parseManagerFlags = sync.OnceValues(func() (map[string]managerFlag, error) {
	file := repoPath("cmd", "main.go")
	f, err := parser.ParseFile(token.NewFileSet(), file, nil, 0)
	if err != nil {
		return nil, err
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
		nameArg := 0
		if strings.HasSuffix(sel.Sel.Name, "Var") {
			nameArg = 1
		}
		if len(call.Args) < nameArg+3 {
			return true
		}
		lit, ok := call.Args[nameArg].(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			bad = append(bad, sel.Sel.Name+" call with a non-literal flag name")
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
			fl.literal = true
			if v, err := strconv.Unquote(d.Value); err == nil {
				fl.def = v
			} else {
				fl.def = d.Value
			}
		case *ast.Ident:
			if d.Name == "true" || d.Name == "false" {
				fl.def, fl.literal = d.Name, true
			}
		}
		flags[name] = fl
		return true
	})
	if len(bad) > 0 {
		return nil, fmt.Errorf("reading the manager's flags from %s: %s", file, strings.Join(bad, "; "))
	}
	// A refactoring of cmd/main.go that hides the flags from this parser must fail here, not make
	// every later check vacuous.
	for _, name := range []string{"leader-elect", "auth-bind-address", "disable-webhooks", "limits-configmap", "login-domain"} {
		if _, ok := flags[name]; !ok {
			return nil, fmt.Errorf("found no --%s flag in %s", name, file)
		}
	}
	zapFlags := flag.NewFlagSet("zap", flag.ContinueOnError)
	(&zap.Options{}).BindFlags(zapFlags)
	zapFlags.VisitAll(func(f *flag.Flag) {
		b, ok := f.Value.(interface{ IsBoolFlag() bool })
		flags[f.Name] = managerFlag{isBool: ok && b.IsBoolFlag(), def: f.DefValue, literal: true}
	})
	flags["kubeconfig"] = managerFlag{}
	return flags, nil
})

// managerFlags is parseManagerFlags that fails the test on an error.
func managerFlags(t testing.TB) map[string]managerFlag {
	t.Helper()
	flags, err := parseManagerFlags()
	if err != nil {
		t.Fatal(err)
	}
	return flags
}

// effectiveFlags are the flags a manager started with args ends up with, by name: the last of a
// repeated flag wins (as with Go's flag package) and a bare boolean flag is "true". An argument
// that is no --name[=value] or names no flag of the manager is an error: every pod would crash-loop.
func effectiveFlags(flags map[string]managerFlag, args []string) (map[string]string, error) {
	out := map[string]string{}
	for _, a := range args {
		if !strings.HasPrefix(a, "--") || len(a) == 2 {
			return nil, fmt.Errorf("argument %q is not --name[=value]", a)
		}
		name, value, hasValue := strings.Cut(a[2:], "=")
		fl, ok := flags[name]
		if !ok {
			return nil, fmt.Errorf("argument %q: the manager has no flag --%s (cmd/main.go)", a, name)
		}
		if !hasValue {
			if !fl.isBool {
				return nil, fmt.Errorf("argument %q: --%s takes a value", a, name)
			}
			value = "true"
		}
		out[name] = value
	}
	return out, nil
}

// nonDefaultFlags is effectiveFlags without the flags set to their default: what the arguments
// change about the manager.
func nonDefaultFlags(flags map[string]managerFlag, args []string) (map[string]string, error) {
	eff, err := effectiveFlags(flags, args)
	if err != nil {
		return nil, err
	}
	for name, value := range eff {
		if fl := flags[name]; fl.literal && fl.def == value {
			delete(eff, name)
		}
	}
	return eff, nil
}

// TestManagerFlagsParsed: the defaults the drift test relies on are read from cmd/main.go.
func TestManagerFlagsParsed(t *testing.T) {
	flags := managerFlags(t)
	for name, def := range map[string]string{
		"limits-configmap":     "support-access-system/support-access-limits",
		"page-rules-configmap": "support-access-system/support-access-page-rules",
		"disable-webhooks":     "false",
	} {
		if fl := flags[name]; !fl.literal || fl.def != def {
			t.Errorf("--%s: default %q (literal %v), want %q", name, fl.def, fl.literal, def)
		}
	}
}
