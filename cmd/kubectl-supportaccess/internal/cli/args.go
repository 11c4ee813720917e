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

package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/supportaccess/support-access-operator/cmd/kubectl-supportaccess/internal/validate"
)

// grantNameArg accepts exactly one argument, a valid grant name.
func grantNameArg(c *cobra.Command, args []string) error {
	switch len(args) {
	case 0:
		return usageError(c, "%s needs the grant's NAME: %s", c.Name(), c.UseLine())
	case 1:
		if err := validate.GrantName(args[0]); err != nil {
			return usageError(c, "%v", err)
		}
		return nil
	default:
		return usageError(c, "%s takes one NAME, got %d arguments (%s): %s", c.Name(), len(args), strings.Join(args, " "), c.UseLine())
	}
}

// noArgs refuses any argument, naming it: a misplaced flag value is the usual cause.
func noArgs(c *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError(c, "%s takes no arguments, got %q", c.Name(), strings.Join(args, " "))
	}
	return nil
}
