package provider

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"golang.org/x/mod/semver"
)

// Release is the Backend.AI release a cluster runs (backendai:index:Release): the
// record every release-bound step of the cluster follows. Its check refuses a release
// older than the one recorded, at preview, before any step runs: Backend.AI migrates
// its schema forward only, so older services would meet a newer schema.
type Release struct{}

// ReleaseArgs are a Release's inputs. The property is "release": pulumi-go-provider
// drops an input named "version" (the engine's provider version) from diffs.
type ReleaseArgs struct {
	// Version is the release, e.g. "26.8.3".
	Version string `pulumi:"release"`
	// Managers are the management plane's nodes, in a cluster of several (a single
	// management node's record has none): one management node grows to several, but a
	// plane does not yet grow, shrink or change its nodes in place.
	Managers []string `pulumi:"managers,optional"`
}

// ReleaseState is what a Release records: the release, and the upgrade.
type ReleaseState struct {
	Version string `pulumi:"release"`
	// Previous is the release the last update replaced: the upgrade it made.
	Previous string `pulumi:"previous"`
}

func (r *Release) Annotate(a infer.Annotator) {
	a.SetToken("index", "Release")
	a.Describe(&r, "The Backend.AI release a cluster runs; a release older than the recorded one is refused.")
}

func (r *Release) Check(ctx context.Context, req infer.CheckRequest) (infer.CheckResponse[ReleaseArgs], error) {
	args, failures, err := infer.DefaultCheck[ReleaseArgs](ctx, req.NewInputs)
	if err != nil || len(failures) > 0 {
		return infer.CheckResponse[ReleaseArgs]{Inputs: args, Failures: failures}, err
	}
	var old string // none for a new cluster
	if v := req.OldInputs.Get("release"); v.IsString() {
		old = v.AsString()
	}
	if reason := downgrade(old, args.Version); reason != "" {
		failures = append(failures, p.CheckFailure{Reason: "version: " + reason})
	}
	if old != "" {
		var was []string
		if v := req.OldInputs.Get("managers"); v.IsArray() {
			for _, m := range v.AsArray().AsSlice() {
				if m.IsString() {
					was = append(was, m.AsString())
				}
			}
		}
		if reason := planeChange(was, args.Managers); reason != "" {
			failures = append(failures, p.CheckFailure{Reason: "nodes: " + reason})
		} else if len(was) == 0 && len(args.Managers) > 0 && old != args.Version {
			failures = append(failures, p.CheckFailure{Reason: fmt.Sprintf("version: growing one management node to %d and "+
				"going from %s to %s at once: grow the plane at %s first, then upgrade it in the next up (the schema "+
				"migrates in the plane's database, once its data has moved there)", len(args.Managers), old, args.Version, old)})
		}
	}
	return infer.CheckResponse[ReleaseArgs]{Inputs: args, Failures: failures}, nil
}

func (r *Release) Create(ctx context.Context, req infer.CreateRequest[ReleaseArgs]) (infer.CreateResponse[ReleaseState], error) {
	return infer.CreateResponse[ReleaseState]{ID: req.Name, Output: ReleaseState{Version: req.Inputs.Version}}, nil
}

func (r *Release) Update(ctx context.Context, req infer.UpdateRequest[ReleaseArgs, ReleaseState]) (infer.UpdateResponse[ReleaseState], error) {
	return infer.UpdateResponse[ReleaseState]{Output: ReleaseState{Version: req.Inputs.Version, Previous: req.State.Version}}, nil
}

// planeChange is why a cluster's management nodes cannot go from was to now (each empty
// for a single management node), or "". One management node grows to a plane (its
// data moves there: docs/ha.md); the plane's first node must be the single one, which
// its step plane-adopt checks on the hosts.
func planeChange(was, now []string) string {
	if slices.Equal(was, now) || (len(was) == 0 && len(now) > 1) {
		return ""
	}
	name := func(ms []string) string {
		if len(ms) == 0 {
			return "one management node"
		}
		return strings.Join(ms, ", ")
	}
	return fmt.Sprintf("the manager role would go from %s to %s: a management plane does not yet grow, shrink or "+
		"change its nodes in place (its etcd members, Sentinels and Patroni cluster are made once; only one "+
		"management node grows to several). Keep the manager role where it is, or deploy the new plane as a new "+
		"cluster and move the data over", name(was), name(now))
}

// releaseForm is a Backend.AI release: 26.8.3, 26.8.0rc1.
var releaseForm = regexp.MustCompile(`^(\d+\.\d+\.\d+)((a|b|rc)\d+)?$`)

// downgrade is why going from the recorded release old to new is refused, or "".
func downgrade(old, new string) string {
	if old == "" || old == new {
		return ""
	}
	o, n := semverOf(old), semverOf(new)
	if o == "" || n == "" || semver.Compare(n, o) >= 0 {
		return ""
	}
	return fmt.Sprintf("%s is older than %s, the release this cluster runs: Backend.AI migrates its database schema "+
		"forward only, so the older services would meet a newer schema. Keep %s (or newer); to go back, restore the "+
		"database and volumes from a backup taken before the upgrade", new, old, old)
}

// semverOf is a release as a semantic version (26.8.0rc1 → v26.8.0-rc1), or "".
func semverOf(release string) string {
	m := releaseForm.FindStringSubmatch(release)
	if m == nil {
		return ""
	}
	v := "v" + m[1]
	if m[2] != "" {
		v += "-" + m[2]
	}
	return v
}
