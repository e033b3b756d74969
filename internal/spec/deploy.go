package spec

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// What a stack deploys: "all" (the default) prepares the hosts and deploys the
// management node's services; "hosts" stops after preparing the hosts (what Backend.AI's
// docs/install/install-from-package/os-preparation.rst at 26.8.1 prepares), so they can
// be checked before anything runs on them.
const (
	DeployAll   = "all"
	DeployHosts = "hosts"
)

// Halfstack engines: the Docker provider's resources, or the same settings as a step
// on the node (for hosts whose Docker API the Docker provider cannot reach).
const (
	EngineDocker = "docker"
	EngineScript = "script"
)

// Secrets are the values the services share and no log may show. They come from the
// secret config keys dbPassword, storageProxySecret and storageProxyJWT.
type Secrets struct {
	// StorageProxySecret is the storage proxy's manager-facing secret, also in etcd
	// (volumes/proxies/<name>/secret) for the manager.
	StorageProxySecret string
	// StorageProxyJWT signs the storage proxy's client tokens.
	StorageProxyJWT string
	// TLSKey is the private key of services.tls.certificate (config key tlsKey).
	TLSKey string
}

// minSecret is the shortest secret accepted: a shorter one is guessable.
const minSecret = 8

// validateSecrets requires the secrets a deployment of the services needs. The values
// are never echoed.
func (c Cluster) validateSecrets(bad func(field, format string, args ...any)) {
	if c.secretsApart {
		return
	}
	for _, s := range []struct{ key, value string }{
		{"dbPassword", c.Halfstack.DBPassword},
		{"storageProxySecret", c.Secrets.StorageProxySecret},
		{"storageProxyJWT", c.Secrets.StorageProxyJWT},
	} {
		if err := CheckSecret(s.key, s.value); err != nil {
			_, msg, _ := strings.Cut(err.Error(), ": ")
			bad(s.key, "%s", msg)
		}
	}
}

// aliasName is an image alias as `mgr image alias` takes it.
var aliasName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// registryName is a registry host with an optional port, as `mgr image rescan` takes it.
var registryName = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?(:[0-9]{1,5})?$`)

// RescanTargets are what `backend.ai mgr image rescan` is given: each image the stack
// names (images.pull, the verification's image) that is in one of
// services.imageRegistries, by its reference, so that only its repository and tag are
// registered; a registry none of whose images the stack names, whole. A registry can
// hold other images than kernels (the halfstack's), which must not become session images.
func (c Cluster) RescanTargets() []string {
	named := slices.Clone(c.Images.Pull)
	if c.Verifies() && strings.Contains(c.VerifyImage(), "/") {
		named = append(named, c.VerifyImage())
	}
	var out []string
	for _, r := range c.Services.ImageRegistries {
		var mine []string
		for _, ref := range named {
			if strings.HasPrefix(ref, r+"/") && !slices.Contains(mine, ref) {
				mine = append(mine, ref)
			}
		}
		if len(mine) == 0 {
			mine = []string{r}
		}
		out = append(out, mine...)
	}
	return out
}

// validateDeploy checks what the services' deployment reads; the secrets only when the
// stack deploys the services.
func (c Cluster) validateDeploy(bad func(field, format string, args ...any)) {
	switch c.Deploy {
	case DeployAll:
		c.validateSecrets(bad)
	case DeployHosts:
	default:
		bad("deploy", "%q is not one of %q, %q", c.Deploy, DeployAll, DeployHosts)
	}
	if e := c.Halfstack.Engine; e != EngineDocker && e != EngineScript {
		bad("halfstack.engine", "%q is not one of %q, %q", e, EngineDocker, EngineScript)
	}
	for i, f := range c.Fixtures {
		if strings.TrimSpace(f) == "" {
			bad(fmt.Sprintf("fixtures[%d]", i), "is empty: give a fixture file's path")
		}
	}
	for i, r := range c.Services.ImageRegistries {
		if !registryName.MatchString(r) {
			bad(fmt.Sprintf("services.imageRegistries[%d]", i), "%q is not a registry name such as cr.backend.ai", r)
		}
	}
	for alias, image := range c.Services.ImageAliases {
		switch {
		case !aliasName.MatchString(alias):
			bad("services.imageAliases", "%q is not an alias (letters, digits, '.', '_', '-')", alias)
		case !imageRef.MatchString(image):
			bad("services.imageAliases."+alias, "%q is not an image reference (registry/name:tag)", image)
		}
	}
}
