package spec

import (
	"fmt"
	"regexp"
)

// appName is an app's name in an image's ai.backend.service-ports label.
var appName = regexp.MustCompile(`^[a-z][a-z0-9-]{0,63}$`)

// Verify is the check that ends a deployment, after "Verifying Installation" in
// Backend.AI's `docs/dev/development-setup.rst` (26.8.1): the manager answers with the
// release, every agent is ALIVE with its slots, every volume is listed, and a real
// compute session runs print("hello"), all through Backend.AI's own client as the admin
// keypair of the stack's fixtures.
type Verify struct {
	// Enabled false leaves the check out of `pulumi up`; default true.
	Enabled *bool `json:"enabled,omitempty" pulumi:"enabled,optional"`
	// Image is the kernel image of the hello-world session (a reference or an alias the
	// manager knows); default: the first of images.pull, or else
	// cr.backend.ai/stable/python:3.13-ubuntu24.04-amd64.
	Image string `json:"image,omitempty" pulumi:"image,optional"`
	// Apps are the apps of a session of image opened through the App Proxy, as the Web UI
	// opens them; default ["jupyter", "ttyd"] when services.appProxy is on; [] none.
	Apps []string `json:"apps,omitempty" pulumi:"apps,optional"`
}

// DefaultVerifyApps are the apps the verification opens: Jupyter, which Backend.AI's
// Python images declare, and the terminal (ttyd), which the agent adds to every session.
var DefaultVerifyApps = []string{"jupyter", "ttyd"}

// VerifyApps are the apps the verification opens through the App Proxy.
func (c Cluster) VerifyApps() []string {
	if c.Verify.Apps == nil && c.Services.AppProxy.On() {
		return DefaultVerifyApps
	}
	return c.Verify.Apps
}

// DefaultVerifyImage is the image Backend.AI's installer aliases as "python" on x86_64.
const DefaultVerifyImage = "cr.backend.ai/stable/python:3.13-ubuntu24.04-amd64"

// VerifyImage is the hello-world session's image: verify.image, or else the first image
// every agent pulls, or else Backend.AI's own Python image.
func (c Cluster) VerifyImage() string {
	switch {
	case c.Verify.Image != "":
		return c.Verify.Image
	case len(c.Images.Pull) > 0:
		return c.Images.Pull[0]
	}
	return DefaultVerifyImage
}

// Verifies says whether `pulumi up` ends with the verification.
func (c Cluster) Verifies() bool { return c.Deploy == DeployAll && isOn(c.Verify.Enabled) }

// On is a setting that is on; its absence (nil) is on too.
func On() *bool { on := true; return &on }

// isOn says whether a setting that is on by default is on.
func isOn(b *bool) bool { return b == nil || *b }

// On says whether the gateway is deployed (its default).
func (g GraphQLGateway) On() bool { return isOn(g.Enabled) }

func (c Cluster) validateVerify(bad func(field, format string, args ...any)) {
	if !c.Verifies() {
		return
	}
	if !imageRef.MatchString(c.VerifyImage()) {
		bad("verify.image", "%q is neither an image reference (registry/name:tag) nor an image alias", c.VerifyImage())
	}
	if len(c.Verify.Apps) > 0 && !c.Services.AppProxy.On() {
		bad("verify.apps", "%v are opened through the App Proxy, which services.appProxy turns off", c.Verify.Apps)
	}
	for i, app := range c.Verify.Apps {
		if !appName.MatchString(app) {
			bad(fmt.Sprintf("verify.apps[%d]", i), "%q is not an app's name (as an image's service-ports label names it: jupyter, ttyd)", app)
		}
	}
}
