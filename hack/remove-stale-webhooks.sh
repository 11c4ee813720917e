#!/usr/bin/env bash
# Run by `make deploy` after it applied a render of config/default: when that render has no
# admission webhooks (the default, admission policies), it deletes the webhook configurations an
# earlier install with config/components/webhooks left behind. kubectl apply does not prune them,
# and with failurePolicy Fail they would send every grant and policy write to a webhook the manager
# no longer serves, and refuse it (CHANGELOG.md, docs/validation.md#admission-paths).
# Usage: hack/remove-stale-webhooks.sh <kubectl> <rendered manifest file>
set -euo pipefail
kubectl=${1:?kubectl path}
rendered=${2:?rendered manifest}
if grep -q '^kind: ValidatingWebhookConfiguration$' "$rendered"; then
  exit 0 # the webhooks install: nothing is stale
fi
# config/default's names for them (namePrefix support-access-operator-).
"$kubectl" delete --ignore-not-found \
  mutatingwebhookconfiguration/support-access-operator-mutating-webhook-configuration \
  validatingwebhookconfiguration/support-access-operator-validating-webhook-configuration
