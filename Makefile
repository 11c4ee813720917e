# Support Access Operator. Kubebuilder's Makefile conventions; `make help` lists the targets.

# Image URL to use all building/pushing image targets.
IMG ?= ghcr.io/supportaccess/support-access-operator:dev

# Pinned tool and control-plane versions: the one place to change them.
CONTROLLER_TOOLS_VERSION ?= v0.23.0
KUBE_VERSION ?= 1.37.2
ETCD_VERSION ?= 3.6.16
# The real gateway of the browser tests and the local tour (docs/gateways.md), built from its module.
CADDY_VERSION ?= 2.11.9

# Get the currently used golang install path (in GOPATH/bin, unless GOBIN is set)
ifeq (,$(shell go env GOBIN))
GOBIN=$(shell go env GOPATH)/bin
else
GOBIN=$(shell go env GOBIN)
endif

SHELL = /usr/bin/env bash -o pipefail
.SHELLFLAGS = -ec

LOCALBIN ?= $(shell pwd)/bin
CONTROLLER_GEN ?= $(LOCALBIN)/controller-gen-$(CONTROLLER_TOOLS_VERSION)
# The control plane (kube-apiserver, kube-controller-manager, kubectl, etcd) built from Go modules.
# Bring your own binaries by setting KUBEBUILDER_ASSETS to a directory holding them.
K8S_ASSETS_DIR ?= $(LOCALBIN)/k8s/$(KUBE_VERSION)
KUBEBUILDER_ASSETS ?= $(K8S_ASSETS_DIR)
KUBECTL ?= $(KUBEBUILDER_ASSETS)/kubectl
export KUBEBUILDER_ASSETS
# The browser suites' programs: Caddy (built, cached per user), and Debian's Chromium and nginx.
CADDY ?= $(LOCALBIN)/caddy-$(CADDY_VERSION)
CHROMIUM ?= /usr/bin/chromium
NGINX ?= /usr/sbin/nginx
export CADDY CHROMIUM NGINX

# Tests: the race detector is always on; GOTESTFLAGS adds to it (e.g. GOTESTFLAGS=-run=TestGrant).
GOTESTFLAGS ?=
TEST_TIMEOUT ?= 40m

.PHONY: all
all: build

##@ General

.PHONY: help
help: ## Display this help.
	@awk 'BEGIN {FS = ":.*##"; printf "\nUsage:\n  make \033[36m<target>\033[0m\n"} /^[a-zA-Z_0-9-]+:.*?##/ { printf "  \033[36m%-18s\033[0m %s\n", $$1, $$2 } /^##@/ { printf "\n\033[1m%s\033[0m\n", substr($$0, 5) } ' $(MAKEFILE_LIST)

##@ Development

.PHONY: manifests
manifests: controller-gen ## Generate CRDs, RBAC and webhook manifests from the code's markers, and the Helm chart's copies of them.
	$(CONTROLLER_GEN) rbac:roleName=manager-role crd webhook paths="./..." output:crd:artifacts:config=config/crd/bases
	hack/sync-chart-files.sh

.PHONY: generate
generate: controller-gen ## Generate DeepCopy methods.
	$(CONTROLLER_GEN) object:headerFile="hack/boilerplate.go.txt" paths="./..."

.PHONY: fmt
fmt: ## Run go fmt against code.
	go fmt ./...

.PHONY: vet
vet: ## Run go vet against code.
	go vet ./...

.PHONY: verify
verify: manifests generate ## Fail when gofmt or the generated files are not up to date.
	@hack/verify.sh

.PHONY: test
test: verify vet envtest caddy browser-deps test-helm ## Check formatting and generated files, then run every test (unit, envtest, e2e, browser, Helm chart) with -race.
	go test -race -timeout $(TEST_TIMEOUT) $(GOTESTFLAGS) ./...

# The Helm chart's tests are their own Go module (test/helm), so that Helm's dependencies stay out of
# the manager's: ./... above does not reach them.
.PHONY: test-helm
test-helm: envtest ## Vet and run the Helm chart's tests (charts/support-access-operator, module test/helm) with -race.
	cd test/helm && go vet ./... && go test -race -timeout $(TEST_TIMEOUT) $(GOTESTFLAGS) ./...

# make bench measures the performance targets (docs/reference.md#performance-targets) against
# same-run baselines (about 12 minutes on 2 cores); BENCH=issue (or tokenreview, forwardauth,
# expiry, revoke, churn, login, memory) runs one; BENCH_FLAGS adds flags.
BENCH ?=
BENCH_FLAGS ?=

.PHONY: bench
bench: envtest ## Measure the performance targets (bench/report.md); BENCH=<scenario> for one; not part of make test.
	go run ./test/bench -scenarios "$(BENCH)" -report bench/report.md $(BENCH_FLAGS)

.PHONY: fuzz
fuzz: ## Run every fuzz target for FUZZTIME each (default 30s); not part of make test.
	hack/fuzz.sh

##@ Build

.PHONY: build
build: manifests generate ## Build the manager binary into bin/manager.
	go build -o $(LOCALBIN)/manager ./cmd

.PHONY: build-plugin
build-plugin: ## Build the kubectl plugin into bin/kubectl-supportaccess.
	go build -ldflags "-s -w" -o $(LOCALBIN)/kubectl-supportaccess ./cmd/kubectl-supportaccess

.PHONY: install-plugin
install-plugin: build-plugin ## Install the kubectl plugin into $(GOBIN), for `kubectl supportaccess` (GOBIN must be on PATH).
	mkdir -p $(GOBIN)
	install -m 0755 $(LOCALBIN)/kubectl-supportaccess $(GOBIN)/kubectl-supportaccess
	@echo "Installed $(GOBIN)/kubectl-supportaccess: run 'kubectl supportaccess --help' (with $(GOBIN) on your PATH)."

.PHONY: run
run: manifests generate ## Run the manager against the cluster of your current kubeconfig.
	go run ./cmd --disable-webhooks

.PHONY: run-local
run-local: build build-plugin envtest caddy ## Start a local control plane and run the manager against it in the foreground (Ctrl-C stops all).
	go build -o $(LOCALBIN)/run-local ./hack/run-local
	$(LOCALBIN)/run-local --assets $(KUBEBUILDER_ASSETS) --manager $(LOCALBIN)/manager --caddy $(CADDY) --plugin $(LOCALBIN)/kubectl-supportaccess --state-dir $(LOCALBIN)/local

.PHONY: docker-build
docker-build: ## Build the manager's container image.
	docker build -t $(IMG) .

.PHONY: docker-push
docker-push: ## Push the manager's container image.
	docker push $(IMG)

##@ Deployment

.PHONY: install
install: manifests envtest ## Install the CRDs into the cluster of your current kubeconfig.
	$(KUBECTL) kustomize config/crd | $(KUBECTL) apply --server-side -f -

.PHONY: uninstall
uninstall: manifests envtest ## Remove the CRDs from the cluster of your current kubeconfig.
	$(KUBECTL) kustomize config/crd | $(KUBECTL) delete --ignore-not-found -f -

.PHONY: deploy
deploy: manifests envtest ## Deploy the operator (config/default) with image IMG to the cluster of your current kubeconfig.
	@rendered=$$(mktemp) && trap 'rm -f "$$rendered"' EXIT && \
	hack/kustomize-with-image.sh $(KUBECTL) config/default $(IMG) > "$$rendered" && \
	$(KUBECTL) apply --server-side -f "$$rendered" && \
	hack/remove-stale-webhooks.sh $(KUBECTL) "$$rendered"

.PHONY: undeploy
undeploy: envtest ## Remove the operator (config/default).
	$(KUBECTL) kustomize config/default | $(KUBECTL) delete --ignore-not-found -f -

##@ Dependencies

$(LOCALBIN):
	mkdir -p $(LOCALBIN)

.PHONY: controller-gen
controller-gen: $(CONTROLLER_GEN) ## Install the pinned controller-gen into bin/.
$(CONTROLLER_GEN): | $(LOCALBIN)
	GOBIN=$(LOCALBIN) go install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_TOOLS_VERSION)
	mv $(LOCALBIN)/controller-gen $(CONTROLLER_GEN)

.PHONY: caddy
caddy: ## Build (once per version, cached per user) the pinned Caddy, the gateway of the browser tests and the tour.
	@hack/build-caddy.sh $(CADDY_VERSION) $(CADDY) >/dev/null

.PHONY: browser-deps
browser-deps: ## Install Debian's chromium and nginx for the browser tests (as root; otherwise prints the command).
	@hack/ensure-debian-package.sh $(CHROMIUM) chromium
	@hack/ensure-debian-package.sh $(NGINX) nginx

.PHONY: envtest
envtest: ## Build (once per version, cached per user) the pinned kube-apiserver, kube-controller-manager, kubectl and etcd.
	@if [ "$(KUBEBUILDER_ASSETS)" = "$(K8S_ASSETS_DIR)" ]; then \
	  hack/build-control-plane.sh $(KUBE_VERSION) $(ETCD_VERSION) $(K8S_ASSETS_DIR) >/dev/null; \
	else \
	  for b in kube-apiserver etcd kubectl; do test -x "$(KUBEBUILDER_ASSETS)/$$b" || { echo "KUBEBUILDER_ASSETS=$(KUBEBUILDER_ASSETS) has no $$b"; exit 1; }; done; \
	fi
