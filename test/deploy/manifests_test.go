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
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	. "github.com/onsi/gomega"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// The objects whose names and wiring the tests check. Only the contracts are spelled out here;
// everything else (which Secret a Certificate writes, which Service a webhook calls) is followed
// from one object to the next.
const (
	webhookServiceName = namePrefix + "webhook-service"
	authServiceName    = namePrefix + "auth-service"
	metricsServiceName = namePrefix + "controller-manager-metrics-service"
	// The flag of the webhook server's port (only with the webhooks component does it listen).
	webhookPortFlag = "webhook-port"
)

// manager is the rendered manager Deployment with what the tests need of it.
type manager struct {
	deployment *appsv1.Deployment
	container  corev1.Container
	// args are the container's --name[=value] arguments, the last one of a repeated flag.
	args map[string]string
	// repeated are the flags given more than once, in order.
	repeated []string
	// flags are the flags cmd/main.go defines.
	flags map[string]managerFlag
}

// managerOf finds the one Deployment and its manager container.
func managerOf(t testing.TB, g Gomega, m manifest) manager {
	t.Helper()
	deployments := m.kind("Deployment")
	g.Expect(deployments).To(HaveLen(1), "config/default renders one Deployment, the manager")
	dep := typed[appsv1.Deployment](g, deployments[0])
	name := dep.Spec.Template.Annotations["kubectl.kubernetes.io/default-container"]
	g.Expect(name).To(Equal("manager"), "kubectl logs/exec pick the manager container by default")
	var c *corev1.Container
	for i := range dep.Spec.Template.Spec.Containers {
		if dep.Spec.Template.Spec.Containers[i].Name == name {
			c = &dep.Spec.Template.Spec.Containers[i]
		}
	}
	g.Expect(c).NotTo(BeNil(), "no container %q in the Deployment", name)
	args, repeated, err := managerArgs(c.Args)
	g.Expect(err).NotTo(HaveOccurred())
	return manager{deployment: dep, container: *c, args: args, repeated: repeated, flags: managerFlags(t)}
}

// value is what the manager runs with for flag name: the Deployment's arg, else the default.
func (mg manager) value(g Gomega, name string) string {
	if v, ok := mg.args[name]; ok {
		return v
	}
	f, ok := mg.flags[name]
	g.Expect(ok).To(BeTrue(), "the manager has no --%s flag", name)
	return f.def
}

// port is the port flag name makes the manager listen on: a bind address's, or --webhook-port.
func (mg manager) port(g Gomega, name string) int32 {
	if name == webhookPortFlag {
		p, err := strconv.ParseInt(mg.value(g, name), 10, 32)
		g.Expect(err).NotTo(HaveOccurred(), "--%s", name)
		return int32(p)
	}
	p, err := bindPort(mg.value(g, name))
	g.Expect(err).NotTo(HaveOccurred(), "--%s", name)
	return p
}

// on is what the manager runs with for the boolean flag name; a bare --name is true.
func (mg manager) on(g Gomega, name string) bool {
	g.Expect(mg.flags[name].isBool).To(BeTrue(), "--%s is not a boolean flag of the manager", name)
	v := mg.value(g, name)
	if _, set := mg.args[name]; set && v == "" {
		return true
	}
	b, err := strconv.ParseBool(v)
	g.Expect(err).NotTo(HaveOccurred(), "--%s", name)
	return b
}

// serves reports whether the manager container has the port flag name makes it listen on.
func (mg manager) serves(g Gomega, name string) bool {
	_, ok := containerPort(mg.container, intstr.FromInt32(mg.port(g, name)))
	return ok
}

// podLabels are the labels of the manager's pods.
func (mg manager) podLabels() labels.Set {
	return labels.Set(mg.deployment.Spec.Template.Labels)
}

// expectSelectsManager checks that a Service's, PDB's or NetworkPolicy's selector is not empty and
// selects the manager's pods.
func expectSelectsManager(g Gomega, mg manager, what string, sel labels.Selector) {
	g.Expect(sel.Empty()).To(BeFalse(), "%s selects every pod in the namespace", what)
	g.Expect(sel.Matches(mg.podLabels())).To(BeTrue(), "%s (selector %s) does not select the manager's pods (labels %v)",
		what, sel, mg.podLabels())
}

// secretVolume returns the Secret mounted read-only at dir in the manager container.
func (mg manager) secretVolume(g Gomega, dir string) string {
	var mount *corev1.VolumeMount
	for i := range mg.container.VolumeMounts {
		if filepath.Clean(mg.container.VolumeMounts[i].MountPath) == filepath.Clean(dir) {
			mount = &mg.container.VolumeMounts[i]
		}
	}
	g.Expect(mount).NotTo(BeNil(), "nothing is mounted at %s", dir)
	g.Expect(mount.ReadOnly).To(BeTrue(), "the certificates at %s are mounted writable", dir)
	for _, v := range mg.deployment.Spec.Template.Spec.Volumes {
		if v.Name == mount.Name {
			g.Expect(v.Secret).NotTo(BeNil(), "volume %s at %s is not a Secret", v.Name, dir)
			return v.Secret.SecretName
		}
	}
	g.Expect(mount.Name).To(BeEmpty(), "volume %s (mounted at %s) is not defined", mount.Name, dir)
	return ""
}

// Both installs render: config/default, whose admission is kube-apiserver's own policies, and
// config/default with the webhooks component, which swaps those for the manager's webhooks.
func TestDefaultRenders(t *testing.T) {
	t.Parallel()
	clusterScoped := map[string]bool{
		"Namespace": true, "CustomResourceDefinition": true, "ClusterRole": true, "ClusterRoleBinding": true,
		"MutatingWebhookConfiguration": true, "ValidatingWebhookConfiguration": true,
		"MutatingAdmissionPolicy": true, "MutatingAdmissionPolicyBinding": true,
		"ValidatingAdmissionPolicy": true, "ValidatingAdmissionPolicyBinding": true,
	}
	// Names that are contracts, not prefixed (see config/default/support_user_role_names.yaml).
	unprefixed := map[string]bool{
		namespace: true, "supportaccess-limited": true, "supportaccess-full": true, "supportaccess-limited-default": true,
		"supportaccessgrants.supportaccess.io": true, "accountsessionpolicies.supportaccess.io": true,
		// The manager's --page-rules-configmap default (docs/gateways.md).
		"support-access-page-rules": true,
		// The manager's --limits-configmap default, the admission policies' parameter.
		"support-access-limits": true,
	}
	// Kinds both installs have as many of.
	common := map[string]int{
		"Namespace": 1, "CustomResourceDefinition": 2, "ServiceAccount": 1, "Deployment": 1,
		"PodDisruptionBudget": 1, "Issuer": 1, "ConfigMap": 2,
	}
	// The admission policies and the webhooks: an install has one or the other.
	admissionPolicyKinds := []string{"MutatingAdmissionPolicy", "MutatingAdmissionPolicyBinding",
		"ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"}
	policies, webhooks := defaultManifest(t), webhooksManifest(t)
	for _, tc := range []struct {
		install string
		m       manifest
		kinds   map[string]int
	}{
		{policiesInstall, policies, map[string]int{
			"Service": 2, "NetworkPolicy": 2, "Certificate": 1,
			"MutatingAdmissionPolicy": 1, "MutatingAdmissionPolicyBinding": 1,
			"ValidatingAdmissionPolicy": 5, "ValidatingAdmissionPolicyBinding": 5,
			"MutatingWebhookConfiguration": 0, "ValidatingWebhookConfiguration": 0,
		}},
		// Plus the webhook Service, its Certificate and the NetworkPolicy that opens its port.
		{webhooksInstall, webhooks, map[string]int{
			"Service": 3, "NetworkPolicy": 3, "Certificate": 2,
			"MutatingAdmissionPolicy": 0, "MutatingAdmissionPolicyBinding": 0,
			"ValidatingAdmissionPolicy": 0, "ValidatingAdmissionPolicyBinding": 0,
			"MutatingWebhookConfiguration": 1, "ValidatingWebhookConfiguration": 1,
		}},
	} {
		t.Run(tc.install, func(t *testing.T) {
			g := NewWithT(t)
			seen := map[string]bool{}
			for _, u := range tc.m {
				id := fmt.Sprintf("%s %s/%s", gk(u), u.GetNamespace(), u.GetName())
				g.Expect(u.GetAPIVersion()).NotTo(BeEmpty(), id)
				g.Expect(u.GetName()).NotTo(BeEmpty(), id)
				g.Expect(seen).NotTo(HaveKey(id), "rendered twice")
				seen[id] = true
				if clusterScoped[u.GetKind()] {
					g.Expect(u.GetNamespace()).To(BeEmpty(), "%s is cluster-scoped", id)
				} else {
					g.Expect(u.GetNamespace()).To(Equal(namespace), id)
				}
				if unprefixed[u.GetName()] {
					continue
				}
				g.Expect(u.GetName()).To(HavePrefix(namePrefix), "%s: every name but the contracts has config/default's namePrefix", id)
			}
			for kind, n := range common {
				g.Expect(tc.m.kind(kind)).To(HaveLen(n), "%s objects", kind)
			}
			for kind, n := range tc.kinds {
				g.Expect(tc.m.kind(kind)).To(HaveLen(n), "%s objects", kind)
			}
			ns := mustFind[corev1.Namespace](g, tc.m, "Namespace", namespace)
			// The manager runs under the restricted Pod Security Standard, enforced: a change that
			// breaks it fails at admission instead of running with more rights than intended.
			for _, mode := range []string{"enforce", "warn", "audit"} {
				g.Expect(ns.Labels).To(HaveKeyWithValue("pod-security.kubernetes.io/"+mode, "restricted"))
			}
		})
	}

	// The component changes nothing else: every object of the default but the admission policies
	// and the Deployment (checked by the webhook tests) is in the webhooks install as it is.
	t.Run("webhooks changes only admission", func(t *testing.T) {
		g := NewWithT(t)
		for _, u := range policies.excluding(append(admissionPolicyKinds, "Deployment")...) {
			w := webhooks.find(u.GetKind(), u.GetName())
			g.Expect(w).NotTo(BeNil(), "%s %s is not in the webhooks install", gk(u), u.GetName())
			if w != nil {
				g.Expect(w.Object).To(Equal(u.Object), "%s %s differs in the webhooks install", gk(u), u.GetName())
			}
		}
	})
}

// The CRDs are installed as controller-gen generates them: nothing in config/ patches them.
func TestCRDsAsGenerated(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	m := defaultManifest(t)
	files, err := filepath.Glob(repoPath("config", "crd", "bases", "*.yaml"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(files).NotTo(BeEmpty())
	for _, f := range files {
		data, err := os.ReadFile(f)
		g.Expect(err).NotTo(HaveOccurred())
		gen, err := decodeManifest(data)
		g.Expect(err).NotTo(HaveOccurred(), f)
		g.Expect(gen).To(HaveLen(1), f)
		rendered := m.find("CustomResourceDefinition", gen[0].GetName())
		g.Expect(rendered).NotTo(BeNil(), "%s is not in config/default", gen[0].GetName())
		g.Expect(rendered.Object["spec"]).To(Equal(gen[0].Object["spec"]), "%s differs from %s", gen[0].GetName(), f)
	}
}

func TestManagerDeployment(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	mg := managerOf(t, g, defaultManifest(t))
	dep := mg.deployment

	// Two replicas: every replica serves the auth service (and the webhooks, with the component);
	// controllers run on the elected leader only.
	g.Expect(dep.Spec.Replicas).To(HaveValue(BeEquivalentTo(2)))
	g.Expect(mg.args).To(HaveKey("leader-elect"))
	g.Expect(mg.args["leader-elect"]).To(BeElementOf("", "true"), "--leader-elect must be on")
	// In the cluster the Lease lives in the pod's own namespace, where leader-election-role is.
	g.Expect(mg.value(g, "leader-election-namespace")).To(BeElementOf("", namespace))

	sel, err := metav1.LabelSelectorAsSelector(dep.Spec.Selector)
	g.Expect(err).NotTo(HaveOccurred())
	expectSelectsManager(g, mg, "the Deployment", sel)
	g.Expect(mg.container.Command).To(Equal([]string{"/manager"}), "the image's binary (Dockerfile ENTRYPOINT)")
	g.Expect(mg.container.Image).To(Equal("controller:latest"), "the placeholder hack/kustomize-with-image.sh replaces")

	// Probes on the health probe address: liveness /healthz, readiness /readyz.
	probePort := mg.port(g, "health-probe-bind-address")
	for _, p := range []struct {
		name  string
		probe *corev1.Probe
		path  string
	}{
		{"livenessProbe", mg.container.LivenessProbe, "/healthz"},
		{"readinessProbe", mg.container.ReadinessProbe, "/readyz"},
	} {
		g.Expect(p.probe).NotTo(BeNil(), p.name)
		g.Expect(p.probe.HTTPGet).NotTo(BeNil(), p.name)
		g.Expect(p.probe.HTTPGet.Path).To(Equal(p.path), p.name)
		port := p.probe.HTTPGet.Port
		if port.Type == intstr.String {
			resolved, ok := containerPort(mg.container, port)
			g.Expect(ok).To(BeTrue(), "%s: no container port named %s", p.name, port.StrVal)
			port = intstr.FromInt32(resolved)
		}
		g.Expect(port.IntVal).To(Equal(probePort), "%s: the port of --health-probe-bind-address", p.name)
		g.Expect(p.probe.HTTPGet.Scheme).To(BeElementOf(corev1.URISchemeHTTP, corev1.URIScheme("")), p.name)
	}

	// Requests and limits for CPU and memory, requests within limits.
	res := mg.container.Resources
	for _, name := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		g.Expect(res.Requests).To(HaveKey(name), "resources.requests")
		g.Expect(res.Limits).To(HaveKey(name), "resources.limits")
		req, lim := res.Requests[name], res.Limits[name]
		g.Expect(req.Cmp(lim)).To(BeNumerically("<=", 0), "%s request %s above its limit %s", name, req.String(), lim.String())
	}
	// 10,000 grants fit in about 150 MiB (docs/reference.md#performance-targets): a limit below
	// that would OOM-kill the manager.
	g.Expect(res.Limits.Memory().Cmp(resource.MustParse("160Mi"))).To(BeNumerically(">=", 0), "memory limit")

	g.Expect(dep.Spec.Template.Spec.ServiceAccountName).NotTo(BeEmpty())
	g.Expect(dep.Spec.Template.Spec.TerminationGracePeriodSeconds).NotTo(BeNil())
}

// The restricted Pod Security Standard, and more: a read-only root filesystem.
func TestManagerSecurityContext(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	mg := managerOf(t, g, defaultManifest(t))
	pod := mg.deployment.Spec.Template.Spec

	g.Expect(pod.HostNetwork).To(BeFalse())
	g.Expect(pod.HostPID).To(BeFalse())
	g.Expect(pod.HostIPC).To(BeFalse())
	for _, v := range pod.Volumes {
		g.Expect(v.HostPath).To(BeNil(), "volume %s", v.Name)
	}
	psc := pod.SecurityContext
	if psc == nil {
		psc = &corev1.PodSecurityContext{}
	}
	containers := append(append([]corev1.Container{}, pod.InitContainers...), pod.Containers...)
	g.Expect(containers).NotTo(BeEmpty())
	for _, c := range containers {
		sc := c.SecurityContext
		g.Expect(sc).NotTo(BeNil(), "container %s has no securityContext", c.Name)
		// Non-root: set on the pod or the container (the container's wins).
		runAsNonRoot := psc.RunAsNonRoot
		if sc.RunAsNonRoot != nil {
			runAsNonRoot = sc.RunAsNonRoot
		}
		g.Expect(runAsNonRoot).To(HaveValue(BeTrue()), "container %s: runAsNonRoot", c.Name)
		for _, uid := range []*int64{psc.RunAsUser, sc.RunAsUser} {
			if uid != nil {
				g.Expect(*uid).NotTo(BeZero(), "container %s runs as root", c.Name)
			}
		}
		seccomp := psc.SeccompProfile
		if sc.SeccompProfile != nil {
			seccomp = sc.SeccompProfile
		}
		g.Expect(seccomp).NotTo(BeNil(), "container %s: seccompProfile", c.Name)
		g.Expect(seccomp.Type).To(Equal(corev1.SeccompProfileTypeRuntimeDefault), "container %s: seccompProfile", c.Name)

		g.Expect(sc.ReadOnlyRootFilesystem).To(HaveValue(BeTrue()), "container %s: readOnlyRootFilesystem", c.Name)
		g.Expect(sc.AllowPrivilegeEscalation).To(HaveValue(BeFalse()), "container %s: allowPrivilegeEscalation", c.Name)
		g.Expect(ptr.Deref(sc.Privileged, false)).To(BeFalse(), "container %s: privileged", c.Name)
		g.Expect(sc.Capabilities).NotTo(BeNil(), "container %s: capabilities", c.Name)
		g.Expect(sc.Capabilities.Drop).To(ContainElement(corev1.Capability("ALL")), "container %s: capabilities.drop", c.Name)
		g.Expect(sc.Capabilities.Add).To(BeEmpty(), "container %s: capabilities.add", c.Name)
	}
}

// Every arg of the manager container is a flag cmd/main.go defines, with a value when it needs one;
// the webhooks are off in the default install and on, with their port and certificate, with the
// webhooks component.
func TestManagerArgsAreManagerFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		install  string
		m        manifest
		webhooks bool
	}{
		{policiesInstall, defaultManifest(t), false},
		{webhooksInstall, webhooksManifest(t), true},
	} {
		t.Run(tc.install, func(t *testing.T) {
			g := NewWithT(t)
			mg := managerOf(t, g, tc.m)
			for name, value := range mg.args {
				f, ok := mg.flags[name]
				g.Expect(ok).To(BeTrue(), "--%s is not a flag of the manager (cmd/main.go): the pods would crash-loop", name)
				if f.isBool {
					g.Expect(value).To(BeElementOf("", "true", "false"), "--%s is a boolean", name)
				} else {
					g.Expect(value).NotTo(BeEmpty(), "--%s needs a value (--%s=...)", name, name)
				}
			}
			// The Deployment serves what the manager binds: metrics, auth service (and webhooks).
			for _, flag := range []string{"metrics-bind-address", "auth-bind-address"} {
				g.Expect(mg.serves(g, flag)).To(BeTrue(), "the port of --%s=%s is not a container port", flag, mg.value(g, flag))
			}
			// In-cluster, the auth service (and the webhooks) serve TLS.
			authCertDir := mg.value(g, "auth-cert-dir")
			g.Expect(authCertDir).NotTo(BeEmpty(), "without --auth-cert-dir the auth service speaks plain HTTP")
			mg.secretVolume(g, authCertDir)
			g.Expect(mg.value(g, "metrics-secure")).To(Equal("true"), "metrics over HTTPS, callers authenticated and authorized")

			if !tc.webhooks {
				g.Expect(mg.repeated).To(BeEmpty(), "flags given more than once")
				// kube-apiserver's admission policies do the webhooks' work.
				g.Expect(mg.args).To(HaveKey("disable-webhooks"))
				g.Expect(mg.on(g, "disable-webhooks")).To(BeTrue(), "--disable-webhooks")
				g.Expect(mg.serves(g, webhookPortFlag)).To(BeFalse(), "--%s=%s is a container port, with the webhooks off",
					webhookPortFlag, mg.value(g, webhookPortFlag))
				g.Expect(mg.args).NotTo(HaveKey("webhook-cert-dir"))
				for _, vm := range mg.container.VolumeMounts {
					g.Expect(filepath.Clean(vm.MountPath)).To(Equal(filepath.Clean(authCertDir)),
						"volume %s: only the auth service's certificates are mounted", vm.Name)
				}
				return
			}
			// The component appends --disable-webhooks=false to the base's --disable-webhooks: the
			// last one wins, and is the only flag given twice.
			g.Expect(mg.repeated).To(Equal([]string{"disable-webhooks"}), "flags given more than once")
			g.Expect(mg.on(g, "disable-webhooks")).To(BeFalse(), "the last --disable-webhooks turns the webhooks on")
			g.Expect(mg.port(g, webhookPortFlag)).To(Equal(int32(9443)), "--%s", webhookPortFlag)
			g.Expect(mg.serves(g, webhookPortFlag)).To(BeTrue(), "--%s=%s is not a container port", webhookPortFlag, mg.value(g, webhookPortFlag))
			webhookCertDir := mg.value(g, "webhook-cert-dir")
			g.Expect(webhookCertDir).NotTo(BeEmpty(), "--webhook-cert-dir")
			mg.secretVolume(g, webhookCertDir)
		})
	}
}

// The Services of the webhooks (443 -> 9443, with the webhooks component), the auth service
// (443 -> 8444) and metrics (8443).
func TestServices(t *testing.T) {
	t.Parallel()
	type service struct {
		name       string
		port       int32
		targetFlag string
		wantTarget int32
	}
	webhook := service{webhookServiceName, 443, webhookPortFlag, 9443}
	auth := service{authServiceName, 443, "auth-bind-address", 8444}
	metrics := service{metricsServiceName, 8443, "metrics-bind-address", 8443}
	for _, tc := range []struct {
		install  string
		m        manifest
		services []service
	}{
		{policiesInstall, defaultManifest(t), []service{auth, metrics}},
		{webhooksInstall, webhooksManifest(t), []service{webhook, auth, metrics}},
	} {
		t.Run(tc.install, func(t *testing.T) {
			g := NewWithT(t)
			mg := managerOf(t, g, tc.m)
			var names []string
			for _, u := range tc.m.kind("Service") {
				names = append(names, u.GetName())
			}
			var want []string
			for _, s := range tc.services {
				want = append(want, s.name)
			}
			g.Expect(names).To(ConsistOf(want), "the Services")
			for _, s := range tc.services {
				svc := mustFind[corev1.Service](g, tc.m, "Service", s.name)
				g.Expect(svc.Spec.Type).To(BeElementOf(corev1.ServiceTypeClusterIP, corev1.ServiceType("")), "%s is in-cluster only", s.name)
				expectSelectsManager(g, mg, "Service "+s.name, labels.SelectorFromSet(svc.Spec.Selector))
				g.Expect(svc.Spec.Ports).To(HaveLen(1), s.name)
				p := svc.Spec.Ports[0]
				g.Expect(p.Port).To(Equal(s.port), "%s port", s.name)
				g.Expect(p.Protocol).To(BeElementOf(corev1.ProtocolTCP, corev1.Protocol("")), s.name)
				target, ok := containerPort(mg.container, p.TargetPort)
				g.Expect(ok).To(BeTrue(), "%s: targetPort %s is not a port of the manager container", s.name, p.TargetPort.String())
				g.Expect(target).To(Equal(s.wantTarget), "%s targetPort", s.name)
				g.Expect(target).To(Equal(mg.port(g, s.targetFlag)), "%s must reach what --%s binds", s.name, s.targetFlag)
			}
		})
	}
}

// cert-manager Certificates for the auth service and, with the webhooks component, the webhooks:
// each writes the Secret the manager mounts at its cert dir, for the DNS names of the Service in
// front of it. No other Certificate is rendered.
func TestCertificates(t *testing.T) {
	t.Parallel()
	type served struct{ certDirFlag, service string }
	webhook := served{"webhook-cert-dir", webhookServiceName}
	auth := served{"auth-cert-dir", authServiceName}
	for _, tc := range []struct {
		install string
		m       manifest
		served  []served
	}{
		{policiesInstall, defaultManifest(t), []served{auth}},
		{webhooksInstall, webhooksManifest(t), []served{webhook, auth}},
	} {
		t.Run(tc.install, func(t *testing.T) {
			g := NewWithT(t)
			mg := managerOf(t, g, tc.m)
			var certs []string
			for _, s := range tc.served {
				secret := mg.secretVolume(g, mg.value(g, s.certDirFlag))
				cert := certificateFor(g, tc.m, secret)
				g.Expect(cert).NotTo(BeNil(), "no Certificate writes Secret %s (mounted at --%s)", secret, s.certDirFlag)
				certs = append(certs, cert.GetName())
				// The DNS names kube-apiserver or a client calls the Service by, as rendered.
				svc := mustFind[corev1.Service](g, tc.m, "Service", s.service)
				dnsNames, _, _ := unstructured.NestedStringSlice(cert.Object, "spec", "dnsNames")
				g.Expect(dnsNames).To(ConsistOf(
					fmt.Sprintf("%s.%s.svc", svc.Name, svc.Namespace),
					fmt.Sprintf("%s.%s.svc.cluster.local", svc.Name, svc.Namespace),
				), "Certificate %s: the DNS names of Service %s", cert.GetName(), svc.Name)
				kind, _, _ := unstructured.NestedString(cert.Object, "spec", "issuerRef", "kind")
				issuer, _, _ := unstructured.NestedString(cert.Object, "spec", "issuerRef", "name")
				g.Expect(kind).To(Equal("Issuer"), "Certificate %s", cert.GetName())
				g.Expect(tc.m.find("Issuer", issuer)).NotTo(BeNil(), "Certificate %s: no Issuer %s", cert.GetName(), issuer)
				g.Expect(cert.GroupVersionKind().Group).To(Equal(certManagerGroup))
			}
			var rendered []string
			for _, u := range tc.m.kind("Certificate") {
				rendered = append(rendered, u.GetName())
			}
			g.Expect(rendered).To(ConsistOf(certs), "the Certificates: one per certificate the manager serves")
		})
	}
}

// certificateFor is the cert-manager Certificate that writes Secret secret, or nil.
func certificateFor(g Gomega, m manifest, secret string) *unstructured.Unstructured {
	var found *unstructured.Unstructured
	for _, c := range m.kind("Certificate") {
		if name, _, _ := unstructured.NestedString(c.Object, "spec", "secretName"); name == secret {
			g.Expect(found).To(BeNil(), "two Certificates write Secret %s", secret)
			found = c
		}
	}
	return found
}

// With the webhooks component, the webhook configurations call the webhook Service and trust the
// CA cert-manager injects from the Certificate whose Secret the manager serves. The default install
// has no webhook configuration and nothing for cert-manager to inject into.
func TestWebhookConfigurations(t *testing.T) {
	t.Parallel()
	t.Run(policiesInstall, func(t *testing.T) {
		g := NewWithT(t)
		m := defaultManifest(t)
		g.Expect(m.kind("MutatingWebhookConfiguration")).To(BeEmpty())
		g.Expect(m.kind("ValidatingWebhookConfiguration")).To(BeEmpty())
		for _, u := range m {
			g.Expect(u.GetAnnotations()).NotTo(HaveKey("cert-manager.io/inject-ca-from"), "%s %s", gk(u), u.GetName())
		}
	})

	t.Run(webhooksInstall, func(t *testing.T) {
		g := NewWithT(t)
		m := webhooksManifest(t)
		mg := managerOf(t, g, m)
		cert := certificateFor(g, m, mg.secretVolume(g, mg.value(g, "webhook-cert-dir")))
		g.Expect(cert).NotTo(BeNil())
		g.Expect(cert.GetNamespace()).NotTo(BeEmpty())
		// The component writes the annotation out; it must name the Certificate as rendered.
		injectFrom := cert.GetNamespace() + "/" + cert.GetName()

		type webhook struct {
			name         string
			clientConfig admissionregistrationv1.WebhookClientConfig
			failure      *admissionregistrationv1.FailurePolicyType
			sideEffects  *admissionregistrationv1.SideEffectClass
		}
		var webhooks []webhook
		for _, u := range m.kind("MutatingWebhookConfiguration") {
			c := typed[admissionregistrationv1.MutatingWebhookConfiguration](g, u)
			g.Expect(c.Annotations).To(HaveKeyWithValue("cert-manager.io/inject-ca-from", injectFrom), c.Name)
			g.Expect(c.Webhooks).NotTo(BeEmpty(), c.Name)
			for _, w := range c.Webhooks {
				webhooks = append(webhooks, webhook{w.Name, w.ClientConfig, w.FailurePolicy, w.SideEffects})
			}
		}
		for _, u := range m.kind("ValidatingWebhookConfiguration") {
			c := typed[admissionregistrationv1.ValidatingWebhookConfiguration](g, u)
			g.Expect(c.Annotations).To(HaveKeyWithValue("cert-manager.io/inject-ca-from", injectFrom), c.Name)
			g.Expect(c.Webhooks).NotTo(BeEmpty(), c.Name)
			for _, w := range c.Webhooks {
				webhooks = append(webhooks, webhook{w.Name, w.ClientConfig, w.FailurePolicy, w.SideEffects})
			}
		}
		g.Expect(webhooks).NotTo(BeEmpty())
		svc := mustFind[corev1.Service](g, m, "Service", webhookServiceName)
		for _, w := range webhooks {
			g.Expect(w.clientConfig.URL).To(BeNil(), w.name)
			g.Expect(w.clientConfig.Service).NotTo(BeNil(), w.name)
			g.Expect(w.clientConfig.Service.Name).To(Equal(svc.Name), w.name)
			g.Expect(w.clientConfig.Service.Namespace).To(Equal(svc.Namespace), w.name)
			g.Expect(ptr.Deref(w.clientConfig.Service.Port, 443)).To(Equal(svc.Spec.Ports[0].Port), w.name)
			g.Expect(ptr.Deref(w.clientConfig.Service.Path, "")).NotTo(BeEmpty(), w.name)
			g.Expect(w.clientConfig.CABundle).To(BeEmpty(), "%s: cert-manager injects the CA", w.name)
			// Fail closed: a grant must never skip validation because the webhook is down.
			g.Expect(w.failure).To(HaveValue(Equal(admissionregistrationv1.Fail)), w.name)
			g.Expect(w.sideEffects).To(HaveValue(Equal(admissionregistrationv1.SideEffectClassNone)), w.name)
		}
	})
}

func TestPodDisruptionBudget(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	m := defaultManifest(t)
	mg := managerOf(t, g, m)
	pdbs := m.kind("PodDisruptionBudget")
	g.Expect(pdbs).To(HaveLen(1))
	pdb := typed[policyv1.PodDisruptionBudget](g, pdbs[0])
	sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
	g.Expect(err).NotTo(HaveOccurred())
	expectSelectsManager(g, mg, "the PodDisruptionBudget", sel)
	// At least one replica stays up through a drain, and a drain can still proceed.
	g.Expect(pdb.Spec.MaxUnavailable).To(BeNil(), "minAvailable, not maxUnavailable")
	g.Expect(pdb.Spec.MinAvailable).NotTo(BeNil())
	g.Expect(pdb.Spec.MinAvailable.Type).To(Equal(intstr.Int))
	g.Expect(pdb.Spec.MinAvailable.IntVal).To(BeNumerically(">=", 1))
	g.Expect(pdb.Spec.MinAvailable.IntVal).To(BeNumerically("<", *mg.deployment.Spec.Replicas), "a drain could never evict a replica")
}

// Once a NetworkPolicy selects the manager's pods, only what they allow reaches them: the auth
// service (and, with the webhooks component, the webhooks) from anywhere (kube-apiserver's source
// address is not predictable), metrics only from selected namespaces, nothing else.
func TestNetworkPolicies(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		install string
		m       manifest
		open    []string // the flags whose ports are reachable from anywhere
	}{
		{policiesInstall, defaultManifest(t), []string{"auth-bind-address"}},
		{webhooksInstall, webhooksManifest(t), []string{webhookPortFlag, "auth-bind-address"}},
	} {
		t.Run(tc.install, func(t *testing.T) {
			g := NewWithT(t)
			mg := managerOf(t, g, tc.m)
			open := map[int32]bool{}       // port -> reachable from anywhere
			restricted := map[int32]bool{} // port -> reachable from some peers
			for _, u := range tc.m.kind("NetworkPolicy") {
				np := typed[networkingv1.NetworkPolicy](g, u)
				sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
				g.Expect(err).NotTo(HaveOccurred())
				expectSelectsManager(g, mg, "NetworkPolicy "+np.Name, sel)
				g.Expect(np.Spec.PolicyTypes).To(ConsistOf(networkingv1.PolicyTypeIngress), np.Name)
				g.Expect(np.Spec.Egress).To(BeEmpty(), np.Name)
				for _, rule := range np.Spec.Ingress {
					g.Expect(rule.Ports).NotTo(BeEmpty(), "%s: an ingress rule without ports opens every port", np.Name)
					for _, p := range rule.Ports {
						g.Expect(p.Port).NotTo(BeNil(), np.Name)
						g.Expect(p.EndPort).To(BeNil(), np.Name)
						port, ok := containerPort(mg.container, *p.Port)
						g.Expect(ok).To(BeTrue(), "%s: port %s is not a port of the manager", np.Name, p.Port.String())
						if len(rule.From) == 0 {
							open[port] = true
						} else {
							restricted[port] = true
						}
					}
				}
			}
			wantOpen := map[int32]bool{}
			for _, flag := range tc.open {
				wantOpen[mg.port(g, flag)] = true
			}
			g.Expect(open).To(Equal(wantOpen), "ports open to all sources")
			g.Expect(restricted).To(Equal(map[int32]bool{mg.port(g, "metrics-bind-address"): true}), "ports open to selected sources")
		})
	}
}

// config/prometheus's ServiceMonitor, when enabled, scrapes the metrics Service and nothing else:
// in particular not the auth service, whose port has the same name.
func TestServiceMonitorSelectsOnlyMetrics(t *testing.T) {
	t.Parallel()
	g := NewWithT(t)
	m := defaultManifest(t)
	monitors, err := decodeManifest(kustomize(t, "config/prometheus"))
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(monitors).To(HaveLen(1))
	mon := monitors[0]
	g.Expect(mon.GetKind()).To(Equal("ServiceMonitor"))
	matchLabels, _, err := unstructured.NestedStringMap(mon.Object, "spec", "selector", "matchLabels")
	g.Expect(err).NotTo(HaveOccurred())
	sel := labels.SelectorFromSet(matchLabels)
	g.Expect(sel.Empty()).To(BeFalse())
	var selected []string
	for _, u := range m.kind("Service") {
		if sel.Matches(labels.Set(u.GetLabels())) {
			selected = append(selected, u.GetName())
		}
	}
	g.Expect(selected).To(ConsistOf(metricsServiceName), "Services the ServiceMonitor (selector %s) scrapes", sel)
	endpoints, _, _ := unstructured.NestedSlice(mon.Object, "spec", "endpoints")
	g.Expect(endpoints).To(HaveLen(1))
	port, _, _ := unstructured.NestedString(endpoints[0].(map[string]any), "port")
	svc := mustFind[corev1.Service](g, m, "Service", metricsServiceName)
	g.Expect(svc.Spec.Ports[0].Name).To(Equal(port), "the ServiceMonitor's endpoint port")
}
