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

package integration

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/supportaccess/support-access-operator/cmd/kubectl-supportaccess/internal/cli"
	"github.com/supportaccess/support-access-operator/cmd/kubectl-supportaccess/internal/sessioncache"
	"github.com/supportaccess/support-access-operator/internal/localcluster"
)

const (
	// eventually bounds what the system does by itself (a reconcile, a watch event): well under a
	// second normally, generous for a loaded CI machine.
	eventually = 20 * time.Second
	poll       = 100 * time.Millisecond
	// commandTimeout bounds one kubectl run.
	commandTimeout = 30 * time.Second
	// notInteractive is KUBERNETES_EXEC_INFO as kubectl sets it without a terminal.
	notInteractive = `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}`
)

// result is what one run printed, and how it ended.
type result struct {
	stdout, stderr string
	code           int
}

// person runs the plugin in-process as one person on one machine: the session cache lives in
// cacheHome, which is also $XDG_CACHE_HOME for the kubectl (and so the built plugin) they run.
type person struct {
	t         *testing.T
	cacheHome string
	// openBrowser is the person's browser, for the console; nil opens none.
	openBrowser func(url string) error
}

func newPerson(t *testing.T) *person {
	return &person{t: t, cacheHome: t.TempDir()}
}

func (p *person) cacheDir() string { return filepath.Join(p.cacheHome, sessioncache.SubDir) }

// run runs `kubectl supportaccess args...` in-process with stdin, without a terminal, as kubectl
// runs an exec plugin that may not prompt.
func (p *person) run(stdin string, args ...string) result {
	return p.runContext(p.t.Context(), stdin, args...)
}

// runContext is run until ctx ends: for a command that runs until interrupted (console).
func (p *person) runContext(ctx context.Context, stdin string, args ...string) result {
	var stdout, stderr bytes.Buffer
	env := cli.Env{
		IOStreams:    genericiooptions.IOStreams{In: strings.NewReader(stdin), Out: &stdout, ErrOut: &stderr},
		CacheDir:     func() (string, error) { return p.cacheDir(), nil },
		Getenv:       func(name string) string { return map[string]string{"KUBERNETES_EXEC_INFO": notInteractive}[name] },
		IsTerminal:   func(int) bool { return false },
		ReadPassword: func(int) ([]byte, error) { p.t.Fatal("no terminal here"); return nil, nil },
		Now:          time.Now,
		OpenBrowser:  p.openBrowser,
	}
	code := cli.Run(ctx, env, args)
	return result{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// owner runs an account owner's command as the cluster admin in namespace.
func (p *person) owner(namespace string, args ...string) result {
	return p.run("", append(args, "--kubeconfig", sut.cluster.KubeconfigPath, "-n", namespace)...)
}

// kubectl runs the pinned kubectl with kubeconfig; the built plugin is on its PATH, so kubectl
// runs it as the exec credential plugin, without a terminal.
func (p *person) kubectl(kubeconfig string, args ...string) result {
	ctx, cancel := context.WithTimeout(p.t.Context(), commandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, sut.cluster.KubectlBinary(), append([]string{"--kubeconfig", kubeconfig, "--cache-dir", sut.kubectlDir}, args...)...)
	cmd.Env = append(os.Environ(),
		"PATH="+sut.pluginDir+string(os.PathListSeparator)+os.Getenv("PATH"),
		"XDG_CACHE_HOME="+p.cacheHome)
	cmd.SysProcAttr = localcluster.ChildProcAttr()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if err != nil {
		code = -1
		if exitErr, ok := err.(*exec.ExitError); ok {
			code = exitErr.ExitCode()
		}
	}
	return result{stdout: stdout.String(), stderr: stderr.String() + errString(err), code: code}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return "\n(" + err.Error() + ")"
}

// supportKubeconfig writes the kubeconfig support staff make from `login`'s output: the cluster,
// and the user exactly as the printed snippet has it.
func supportKubeconfig(t *testing.T, g Gomega, loginOutput string) string {
	t.Helper()
	start := strings.Index(loginOutput, "users:\n")
	g.Expect(start).To(BeNumerically(">=", 0), "login prints a kubeconfig users: snippet:\n%s", loginOutput)
	snippet := loginOutput[start:]
	snippet = snippet[:strings.Index(snippet, "\n\n")+1]
	config, err := clientcmd.Load([]byte(snippet))
	g.Expect(err).NotTo(HaveOccurred(), "the snippet is kubeconfig:\n%s", snippet)
	g.Expect(config.AuthInfos).To(HaveLen(1))
	var user string
	for name := range config.AuthInfos {
		user = name
	}
	config.Clusters["local"] = &clientcmdapi.Cluster{Server: sut.cluster.Config.Host, CertificateAuthorityData: sut.cluster.Config.CAData}
	config.Contexts["support"] = &clientcmdapi.Context{Cluster: "local", AuthInfo: user}
	config.CurrentContext = "support"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	g.Expect(clientcmd.WriteToFile(*config, path)).To(Succeed())
	return path
}

// createNamespace creates an account for one test.
func createNamespace(t *testing.T, g Gomega, name string) {
	t.Helper()
	core, err := corev1client.NewForConfig(sut.cluster.Config)
	g.Expect(err).NotTo(HaveOccurred())
	_, err = core.Namespaces().Create(t.Context(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	g.Expect(err).NotTo(HaveOccurred())
}
